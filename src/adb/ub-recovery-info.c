/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "ub-recovery-info.h"

struct _UbRecoveryInfo
{
  GObject parent_instance;
  GHashTable *values;   /* key → value */
};

G_DEFINE_FINAL_TYPE (UbRecoveryInfo, ub_recovery_info, G_TYPE_OBJECT)

static void
ub_recovery_info_finalize (GObject *object)
{
  UbRecoveryInfo *self = UB_RECOVERY_INFO (object);

  g_hash_table_unref (self->values);
  G_OBJECT_CLASS (ub_recovery_info_parent_class)->finalize (object);
}

static void
ub_recovery_info_class_init (UbRecoveryInfoClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ub_recovery_info_finalize;
}

static void
ub_recovery_info_init (UbRecoveryInfo *self)
{
  self->values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

UbRecoveryInfo *
ub_recovery_info_new (void)
{
  return g_object_new (UB_TYPE_RECOVERY_INFO, NULL);
}

void
ub_recovery_info_set (UbRecoveryInfo *self,
                      const char     *key,
                      const char     *value)
{
  g_return_if_fail (UB_IS_RECOVERY_INFO (self));
  g_return_if_fail (key != NULL);

  if (value == NULL)
    g_hash_table_remove (self->values, key);
  else
    g_hash_table_replace (self->values, g_strdup (key), g_strdup (value));
}

const char *
ub_recovery_info_get (UbRecoveryInfo *self,
                      const char     *key)
{
  g_return_val_if_fail (UB_IS_RECOVERY_INFO (self), NULL);
  g_return_val_if_fail (key != NULL, NULL);
  return g_hash_table_lookup (self->values, key);
}

const char *
ub_recovery_info_get_device (UbRecoveryInfo *self)
{
  return ub_recovery_info_get (self, "device");
}

const char *
ub_recovery_info_get_version (UbRecoveryInfo *self)
{
  return ub_recovery_info_get (self, "version");
}

const char *
ub_recovery_info_get_serial (UbRecoveryInfo *self)
{
  return ub_recovery_info_get (self, "sn");
}

const char *
ub_recovery_info_get_codebase (UbRecoveryInfo *self)
{
  return ub_recovery_info_get (self, "codebase");
}

const char *
ub_recovery_info_get_branch (UbRecoveryInfo *self)
{
  return ub_recovery_info_get (self, "branch");
}

const char *
ub_recovery_info_get_language (UbRecoveryInfo *self)
{
  return ub_recovery_info_get (self, "language");
}

const char *
ub_recovery_info_get_region (UbRecoveryInfo *self)
{
  return ub_recovery_info_get (self, "region");
}

const char *
ub_recovery_info_get_romzone (UbRecoveryInfo *self)
{
  return ub_recovery_info_get (self, "romzone");
}

static gboolean
known (const char *value)
{
  return value != NULL && *value != '\0';
}

gboolean
ub_recovery_info_is_complete (UbRecoveryInfo *self)
{
  g_return_val_if_fail (UB_IS_RECOVERY_INFO (self), FALSE);
  return known (ub_recovery_info_get_device (self)) &&
         known (ub_recovery_info_get_version (self)) &&
         known (ub_recovery_info_get_serial (self)) &&
         known (ub_recovery_info_get_romzone (self));
}

static gint
compare_keys (gconstpointer a,
              gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

GStrv
ub_recovery_info_dup_keys (UbRecoveryInfo *self)
{
  g_autoptr(GPtrArray) keys = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key;

  g_return_val_if_fail (UB_IS_RECOVERY_INFO (self), NULL);

  g_hash_table_iter_init (&iter, self->values);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (keys, g_strdup (key));
  g_ptr_array_sort (keys, compare_keys);
  g_ptr_array_add (keys, NULL);
  return (GStrv) g_ptr_array_free (g_steal_pointer (&keys), FALSE);
}
