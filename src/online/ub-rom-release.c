/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "ub-online-util.h"
#include "ub-rom-release-private.h"

struct _UbRomRelease
{
  GObject       parent_instance;

  char         *codename;
  char         *product;
  UbRomRegion   region;
  char         *version;
  char         *android;
  char         *date;
  UbRomBranch   branch;
  UbRomEdition  edition;
  UbRomPackage  package;
  char         *file_name;
  char         *model_name;
  guint64       size;
  gboolean      size_exact;
  char         *md5;
  char         *md5_prefix;
  char         *link;
};

G_DEFINE_FINAL_TYPE (UbRomRelease, ub_rom_release, G_TYPE_OBJECT)

static void
ub_rom_release_finalize (GObject *object)
{
  UbRomRelease *self = UB_ROM_RELEASE (object);

  g_free (self->codename);
  g_free (self->product);
  g_free (self->version);
  g_free (self->android);
  g_free (self->date);
  g_free (self->file_name);
  g_free (self->model_name);
  g_free (self->md5);
  g_free (self->md5_prefix);
  g_free (self->link);
  G_OBJECT_CLASS (ub_rom_release_parent_class)->finalize (object);
}

static void
ub_rom_release_class_init (UbRomReleaseClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ub_rom_release_finalize;
}

static void
ub_rom_release_init (UbRomRelease *self)
{
}

UbRomRelease *
ub_rom_release_new (const char  *codename,
                    const char  *product,
                    UbRomRegion  region,
                    const char  *version,
                    const char  *file_name)
{
  UbRomRelease *self = g_object_new (UB_TYPE_ROM_RELEASE, NULL);

  self->codename = g_strdup (codename);
  self->product = g_strdup (product);
  self->region = region;
  self->version = g_strdup (version);
  self->file_name = g_strdup (file_name);
  return self;
}

#define SETTER(field) \
  void ub_rom_release_set_##field (UbRomRelease *self, const char *value) \
  { \
    g_return_if_fail (UB_IS_ROM_RELEASE (self)); \
    g_free (self->field); \
    self->field = g_strdup (value); \
  }
SETTER (android)
SETTER (date)
SETTER (model_name)
SETTER (md5)
SETTER (md5_prefix)
SETTER (link)
#undef SETTER

void
ub_rom_release_set_branch (UbRomRelease *self,
                           UbRomBranch   branch)
{
  g_return_if_fail (UB_IS_ROM_RELEASE (self));
  self->branch = branch;
}

void
ub_rom_release_set_edition (UbRomRelease *self,
                            UbRomEdition  edition)
{
  g_return_if_fail (UB_IS_ROM_RELEASE (self));
  self->edition = edition;
}

void
ub_rom_release_set_package (UbRomRelease *self,
                            UbRomPackage  package)
{
  g_return_if_fail (UB_IS_ROM_RELEASE (self));
  self->package = package;
}

void
ub_rom_release_set_size (UbRomRelease *self,
                         guint64       size,
                         gboolean      exact)
{
  g_return_if_fail (UB_IS_ROM_RELEASE (self));
  self->size = size;
  self->size_exact = exact;
}

#define GETTER(type, field) \
  type ub_rom_release_get_##field (UbRomRelease *self) \
  { \
    g_return_val_if_fail (UB_IS_ROM_RELEASE (self), 0); \
    return self->field; \
  }
GETTER (const char *, codename)
GETTER (const char *, product)
GETTER (UbRomRegion, region)
GETTER (const char *, version)
GETTER (const char *, android)
GETTER (const char *, date)
GETTER (UbRomBranch, branch)
GETTER (UbRomEdition, edition)
GETTER (UbRomPackage, package)
GETTER (const char *, file_name)
GETTER (const char *, model_name)
GETTER (guint64, size)
GETTER (gboolean, size_exact)
GETTER (const char *, md5)
GETTER (const char *, md5_prefix)
GETTER (const char *, link)
#undef GETTER

char **
ub_rom_release_dup_urls (UbRomRelease       *self,
                         const char * const *mirrors)
{
  g_autofree char *path = NULL;

  g_return_val_if_fail (UB_IS_ROM_RELEASE (self), NULL);
  path = g_strdup_printf ("%s/%s", self->version, self->file_name);
  return ub_online_mirror_urls (mirrors, path);
}
