/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <archive.h>
#include <glib/gi18n.h>
#include <string.h>

#include "ub-rom-name.h"

typedef struct {
  const char *ext;
  const char *(*available) (void);  /* NULL: always */
} ArchiveExt;

static const ArchiveExt archive_exts[] = {
  { ".tar.gz", NULL }, { ".tgz", NULL }, { ".tar", NULL }, { ".zip", NULL },
  { ".tar.xz", archive_liblzma_version }, { ".txz", archive_liblzma_version },
  { ".tar.bz2", archive_bzlib_version }, { ".tbz2", archive_bzlib_version },
  { ".tbz", archive_bzlib_version },
  { ".tar.zst", archive_libzstd_version }, { ".tzst", archive_libzstd_version },
};

/* Length of the archive extension @name ends with, 0 if none. */
static gsize
archive_ext_len (const char *name)
{
  gsize len = strlen (name);

  for (guint i = 0; i < G_N_ELEMENTS (archive_exts); i++)
    {
      gsize elen = strlen (archive_exts[i].ext);

      if (len > elen && g_ascii_strcasecmp (name + len - elen, archive_exts[i].ext) == 0)
        {
          if (archive_exts[i].available && archive_exts[i].available () == NULL)
            return 0;
          return elen;
        }
    }
  return 0;
}

gboolean
ub_rom_name_is_archive (const char *path)
{
  g_autofree char *base = NULL;

  g_return_val_if_fail (path != NULL, FALSE);
  base = g_path_get_basename (path);
  return archive_ext_len (base) > 0;
}

char *
ub_rom_name_dup_stem (const char *path)
{
  g_autofree char *base = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  base = g_path_get_basename (path);
  return g_strndup (base, strlen (base) - archive_ext_len (base));
}

char *
ub_rom_name_dup_md5_prefix (const char *path)
{
  g_autofree char *stem = NULL;
  gsize len;

  g_return_val_if_fail (path != NULL, NULL);
  stem = ub_rom_name_dup_stem (path);
  len = strlen (stem);
  /* a browser's duplicate download: "name_0a1b2c3d4e (1).tgz" */
  if (len > 0 && stem[len - 1] == ')')
    {
      gsize i = len - 1;

      while (i > 0 && g_ascii_isdigit (stem[i - 1]))
        i--;
      if (i > 0 && i < len - 1 && stem[i - 1] == '(')
        {
          len = i - 1;
          while (len > 0 && stem[len - 1] == ' ')
            len--;
        }
    }
  if (len < 11 || stem[len - 11] != '_')
    return NULL;
  for (gsize i = len - 10; i < len; i++)
    if (!g_ascii_isxdigit (stem[i]))
      return NULL;
  return g_ascii_strdown (stem + len - 10, 10);
}

gboolean
ub_rom_name_parse_build (const char  *text,
                         char       **version,
                         char       **region_code)
{
  g_autoptr(GRegex) build_re = NULL;
  g_autoptr(GMatchInfo) m = NULL;
  g_autofree char *code = NULL;

  if (text == NULL)
    return FALSE;
  /* V14.0.9.0.TMBMIXM, OS3.0.9.0.WPYCNXM: <Android letter><2 device letters><2 region letters>XM */
  build_re = g_regex_new ("(?:^|_)((?:V|OS)\\d+(?:\\.\\d+){2,3}\\.([A-Z]{7}))(?:_|$)", 0, 0, NULL);
  if (!g_regex_match (build_re, text, 0, &m))
    return FALSE;
  code = g_match_info_fetch (m, 2);
  if (version)
    *version = g_match_info_fetch (m, 1);
  if (region_code)
    *region_code = g_strndup (code + 3, 2);
  return TRUE;
}

char *
ub_rom_name_dup_android (const char *path)
{
  g_autoptr(GRegex) android_re = NULL;
  g_autoptr(GMatchInfo) m = NULL;
  g_autofree char *base = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  base = g_path_get_basename (path);
  android_re = g_regex_new ("_(\\d{1,2}\\.\\d)(?:_|$)", 0, 0, NULL);
  if (!g_regex_match (android_re, base, 0, &m))
    return NULL;
  return g_match_info_fetch (m, 1);
}

const char *
ub_rom_name_region_name (const char *code)
{
  static const struct { const char *code; const char *name; } regions[] = {
    /* TRANSLATORS: the regions Xiaomi makes ROMs for */
    { "MI", N_("Global") }, { "EU", N_("Europe (EEA)") }, { "CN", N_("China") },
    { "IN", N_("India") }, { "RU", N_("Russia") }, { "ID", N_("Indonesia") },
    { "TW", N_("Taiwan") }, { "TR", N_("Turkey") }, { "JP", N_("Japan") },
    { "KR", N_("South Korea") }, { "LM", N_("Latin America") }, { "MX", N_("Mexico") },
  };

  if (code == NULL)
    return NULL;
  for (gsize i = 0; i < G_N_ELEMENTS (regions); i++)
    if (g_str_equal (code, regions[i].code))
      return _(regions[i].name);
  return NULL;
}
