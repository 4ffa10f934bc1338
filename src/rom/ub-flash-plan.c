/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "ub-flash-plan-private.h"

typedef struct {
  UbFlashStep   *step;
  UbSparseImage *image;
  guint64        bytes;
} Entry;

struct _UbFlashPlan
{
  GObject    parent_instance;
  char      *rom_path;
  UbRomMode  mode;
  char      *serial;
  char      *product;
  GArray    *entries;   /* of Entry */
  gboolean   checked;
};

G_DEFINE_FINAL_TYPE (UbFlashPlan, ub_flash_plan, G_TYPE_OBJECT)

static void
entry_clear (Entry *entry)
{
  g_clear_pointer (&entry->step, ub_flash_step_unref);
  g_clear_object (&entry->image);
}

static void
ub_flash_plan_finalize (GObject *object)
{
  UbFlashPlan *self = UB_FLASH_PLAN (object);

  g_free (self->rom_path);
  g_free (self->serial);
  g_free (self->product);
  g_array_unref (self->entries);
  G_OBJECT_CLASS (ub_flash_plan_parent_class)->finalize (object);
}

static void
ub_flash_plan_class_init (UbFlashPlanClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ub_flash_plan_finalize;
}

static void
ub_flash_plan_init (UbFlashPlan *self)
{
  self->entries = g_array_new (FALSE, TRUE, sizeof (Entry));
  g_array_set_clear_func (self->entries, (GDestroyNotify) entry_clear);
}

UbFlashPlan *
ub_flash_plan_new (const char *rom_path,
                   UbRomMode   mode,
                   const char *serial,
                   const char *product)
{
  UbFlashPlan *self = g_object_new (UB_TYPE_FLASH_PLAN, NULL);

  self->rom_path = g_strdup (rom_path);
  self->mode = mode;
  self->serial = g_strdup (serial);
  self->product = g_strdup (product);
  return self;
}

void
ub_flash_plan_add_step (UbFlashPlan   *self,
                        UbFlashStep   *step,
                        UbSparseImage *image,
                        guint64        bytes)
{
  Entry entry = { ub_flash_step_ref (step), image ? g_object_ref (image) : NULL, bytes };

  g_return_if_fail (UB_IS_FLASH_PLAN (self));
  g_array_append_val (self->entries, entry);
}

guint
ub_flash_plan_get_n_steps (UbFlashPlan *self)
{
  g_return_val_if_fail (UB_IS_FLASH_PLAN (self), 0);
  return self->entries->len;
}

static Entry *
entry_at (UbFlashPlan *self,
          guint        index)
{
  g_return_val_if_fail (index < self->entries->len, NULL);
  return &g_array_index (self->entries, Entry, index);
}

UbFlashStep *
ub_flash_plan_get_step (UbFlashPlan *self,
                        guint        index)
{
  g_return_val_if_fail (UB_IS_FLASH_PLAN (self), NULL);
  return entry_at (self, index)->step;
}

UbSparseImage *
ub_flash_plan_get_image (UbFlashPlan *self,
                         guint        index)
{
  g_return_val_if_fail (UB_IS_FLASH_PLAN (self), NULL);
  return entry_at (self, index)->image;
}

guint64
ub_flash_plan_get_step_bytes (UbFlashPlan *self,
                              guint        index)
{
  g_return_val_if_fail (UB_IS_FLASH_PLAN (self), 0);
  return entry_at (self, index)->bytes;
}

guint64
ub_flash_plan_get_bytes_before (UbFlashPlan *self,
                                guint        index)
{
  guint64 total = 0;

  g_return_val_if_fail (UB_IS_FLASH_PLAN (self), 0);
  for (guint i = 0; i < index && i < self->entries->len; i++)
    total += g_array_index (self->entries, Entry, i).bytes;
  return total;
}

guint64
ub_flash_plan_get_total_bytes (UbFlashPlan *self)
{
  return ub_flash_plan_get_bytes_before (self, G_MAXUINT);
}

const char *
ub_flash_plan_get_rom_path (UbFlashPlan *self)
{
  g_return_val_if_fail (UB_IS_FLASH_PLAN (self), NULL);
  return self->rom_path;
}

UbRomMode
ub_flash_plan_get_mode (UbFlashPlan *self)
{
  g_return_val_if_fail (UB_IS_FLASH_PLAN (self), UB_ROM_MODE_CLEAN_ALL);
  return self->mode;
}

const char *
ub_flash_plan_get_serial (UbFlashPlan *self)
{
  g_return_val_if_fail (UB_IS_FLASH_PLAN (self), NULL);
  return self->serial;
}

const char *
ub_flash_plan_get_product (UbFlashPlan *self)
{
  g_return_val_if_fail (UB_IS_FLASH_PLAN (self), NULL);
  return self->product;
}

gboolean
ub_flash_plan_locks (UbFlashPlan *self)
{
  g_return_val_if_fail (UB_IS_FLASH_PLAN (self), FALSE);
  for (guint i = 0; i < self->entries->len; i++)
    if (ub_flash_step_is_lock (g_array_index (self->entries, Entry, i).step))
      return TRUE;
  return FALSE;
}

gboolean
ub_flash_plan_erases_data (UbFlashPlan *self)
{
  g_return_val_if_fail (UB_IS_FLASH_PLAN (self), FALSE);
  for (guint i = 0; i < self->entries->len; i++)
    {
      UbFlashStep *step = g_array_index (self->entries, Entry, i).step;
      if ((step->kind == UB_STEP_FLASH || step->kind == UB_STEP_ERASE ||
           step->kind == UB_STEP_FORMAT) &&
          (g_str_equal (step->partition, "userdata") || g_str_equal (step->partition, "metadata")))
        return TRUE;
    }
  return FALSE;
}

void
ub_flash_plan_set_checked (UbFlashPlan *self,
                           gboolean     checked)
{
  g_return_if_fail (UB_IS_FLASH_PLAN (self));
  self->checked = checked;
}

gboolean
ub_flash_plan_get_checked (UbFlashPlan *self)
{
  g_return_val_if_fail (UB_IS_FLASH_PLAN (self), FALSE);
  return self->checked;
}

char *
ub_flash_plan_dup_fingerprint (UbFlashPlan *self)
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);

  g_return_val_if_fail (UB_IS_FLASH_PLAN (self), NULL);
  g_checksum_update (sum, (const guchar *) ub_rom_mode_to_string (self->mode), -1);
  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *e = &g_array_index (self->entries, Entry, i);
      g_autofree char *desc = ub_flash_step_describe (e->step);
      g_autofree char *line = g_strdup_printf ("\n%s %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT,
                                               desc, e->bytes,
                                               e->image ? ub_sparse_image_get_file_size (e->image) : 0);
      g_checksum_update (sum, (const guchar *) line, -1);
    }
  return g_strdup (g_checksum_get_string (sum));
}
