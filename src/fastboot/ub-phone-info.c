/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>

#include "ub-fastboot-client.h"
#include "ub-fastboot-error.h"
#include "ub-fastboot-protocol.h"
#include "ub-phone-info.h"

struct _UbPhoneInfo
{
  GObject parent_instance;

  GMutex      lock;   /* guards vars: ub_phone_info_ask_var() adds to it */
  GHashTable *vars;   /* name -> value; NULL when the phone answered FAIL */
  char *slot;
  int anti;
  guint battery_mv;
  guint64 max_download;
};

G_DEFINE_FINAL_TYPE (UbPhoneInfo, ub_phone_info, G_TYPE_OBJECT)

static const char * const probe_vars[] = {
  "product",
  "serialno",
  "unlocked",
  "current-slot",
  "anti",
  "battery-voltage",
  "battery-soc-ok",
  "secure",
  "max-download-size",
  "is-userspace",
  NULL
};

const char * const *
ub_phone_info_get_probe_vars (void)
{
  return probe_vars;
}

/* ------------------------------------------------------------------ parsing */

static UbTristate
parse_tristate (const char *value)
{
  if (value == NULL)
    return UB_TRISTATE_UNKNOWN;
  if (g_ascii_strcasecmp (value, "yes") == 0 || g_ascii_strcasecmp (value, "true") == 0 ||
      g_str_equal (value, "1"))
    return UB_TRISTATE_YES;
  if (g_ascii_strcasecmp (value, "no") == 0 || g_ascii_strcasecmp (value, "false") == 0 ||
      g_str_equal (value, "0"))
    return UB_TRISTATE_NO;
  return UB_TRISTATE_UNKNOWN;
}

/* Leading unsigned number (decimal, or hex with 0x); FALSE when none. A
 * unit may follow ("3747mV"). */
static gboolean
parse_leading_number (const char *value,
                      guint64    *out)
{
  char *end = NULL;
  guint64 v;

  if (value == NULL || !g_ascii_isdigit (*value))
    return FALSE;
  errno = 0;
  v = g_ascii_strtoull (value, &end, 0);
  if (errno != 0 || end == value)
    return FALSE;
  *out = v;
  return TRUE;
}

static void
parse_values (UbPhoneInfo *self)
{
  const char *v;
  guint64 n;

  self->slot = ub_fastboot_normalize_slot (g_hash_table_lookup (self->vars, "current-slot"));

  self->anti = -1;
  v = g_hash_table_lookup (self->vars, "anti");
  if (parse_leading_number (v, &n) && n <= G_MAXINT)
    self->anti = (int) n;

  /* mV as bootloaders report it; a value in µV is scaled down */
  v = g_hash_table_lookup (self->vars, "battery-voltage");
  if (parse_leading_number (v, &n))
    {
      if (n > 100000)
        n /= 1000;
      self->battery_mv = (guint) MIN (n, G_MAXUINT);
    }

  /* parsed as UbFastbootClient does for splitting, so the two agree */
  v = g_hash_table_lookup (self->vars, "max-download-size");
  if (v != NULL && ub_fastboot_parse_number (v, FALSE, &n, NULL))
    self->max_download = n;
}

/* ------------------------------------------------------------------ construction */

UbPhoneInfo *
ub_phone_info_new (GHashTable *vars)
{
  UbPhoneInfo *self = g_object_new (UB_TYPE_PHONE_INFO, NULL);

  if (vars != NULL)
    {
      GHashTableIter iter;
      gpointer key, value;

      g_hash_table_iter_init (&iter, vars);
      while (g_hash_table_iter_next (&iter, &key, &value))
        if (key != NULL && value != NULL)
          g_hash_table_insert (self->vars, g_strdup (key), g_strstrip (g_strdup (value)));
    }
  parse_values (self);
  return self;
}

/* getvar @name; FALSE only when the phone could not be asked, *value NULL
 * (and TRUE) when it answered FAIL. */
static gboolean
ask (UbFastbootClient  *client,
     const char        *name,
     char             **value,
     GCancellable      *cancellable,
     GError           **error)
{
  g_autoptr(GError) local_error = NULL;

  *value = ub_fastboot_client_getvar (client, name, cancellable, &local_error);
  if (*value != NULL)
    {
      g_strstrip (*value);
      return TRUE;
    }
  /* FAIL: the phone has no such variable */
  if (g_error_matches (local_error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_REMOTE))
    return TRUE;
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

UbPhoneInfo *
ub_phone_info_probe_client (UbFastbootClient *client,
                            GCancellable     *cancellable,
                            GError          **error)
{
  g_autoptr(UbPhoneInfo) self = NULL;

  g_return_val_if_fail (UB_IS_FASTBOOT_CLIENT (client), NULL);

  self = g_object_new (UB_TYPE_PHONE_INFO, NULL);
  for (guint i = 0; probe_vars[i] != NULL; i++)
    {
      char *value;

      if (!ask (client, probe_vars[i], &value, cancellable, error))
        return NULL;
      g_hash_table_insert (self->vars, g_strdup (probe_vars[i]), value);
    }
  parse_values (self);
  return g_steal_pointer (&self);
}

UbPhoneInfo *
ub_phone_info_probe (const char   *address,
                     GCancellable *cancellable,
                     GError      **error)
{
  g_autoptr(UbFastbootClient) client = ub_fastboot_client_open (address, cancellable, error);
  UbPhoneInfo *info;

  if (client == NULL)
    return NULL;
  info = ub_phone_info_probe_client (client, cancellable, error);
  ub_fastboot_client_close (client);
  return info;
}

static void
probe_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  GError *error = NULL;
  UbPhoneInfo *info = ub_phone_info_probe (task_data, cancellable, &error);

  if (info == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, info, g_object_unref);
}

void
ub_phone_info_probe_async (const char          *address,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, ub_phone_info_probe_async);
  g_task_set_task_data (task, g_strdup (address), g_free);
  g_task_run_in_thread (task, probe_thread);
}

UbPhoneInfo *
ub_phone_info_probe_finish (GAsyncResult *result,
                            GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ub_phone_info_probe_async,
                        NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ------------------------------------------------------------------ getters */

const char *
ub_phone_info_get_var (UbPhoneInfo *self,
                       const char  *name)
{
  const char *value = NULL;

  ub_phone_info_lookup_var (self, name, &value);
  return value;
}

gboolean
ub_phone_info_lookup_var (UbPhoneInfo  *self,
                          const char   *name,
                          const char  **value)
{
  gboolean asked;

  g_return_val_if_fail (UB_IS_PHONE_INFO (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  /* a value, once in the table, is never replaced: the pointer stays valid */
  g_mutex_lock (&self->lock);
  asked = g_hash_table_lookup_extended (self->vars, name, NULL, (gpointer *) value);
  g_mutex_unlock (&self->lock);
  if (!asked && value != NULL)
    *value = NULL;
  return asked;
}

gboolean
ub_phone_info_ask_var (UbPhoneInfo       *self,
                       UbFastbootClient  *client,
                       const char        *name,
                       const char       **value,
                       GCancellable      *cancellable,
                       GError           **error)
{
  char *answer;

  g_return_val_if_fail (UB_IS_PHONE_INFO (self), FALSE);
  g_return_val_if_fail (UB_IS_FASTBOOT_CLIENT (client), FALSE);

  if (ub_phone_info_lookup_var (self, name, value))
    return TRUE;
  if (!ask (client, name, &answer, cancellable, error))
    return FALSE;
  g_mutex_lock (&self->lock);
  if (!g_hash_table_lookup_extended (self->vars, name, NULL, (gpointer *) value))
    {
      g_hash_table_insert (self->vars, g_strdup (name), answer);
      *value = answer;
    }
  else
    g_free (answer);
  g_mutex_unlock (&self->lock);
  return TRUE;
}

const char *
ub_phone_info_get_product (UbPhoneInfo *self)
{
  return ub_phone_info_get_var (self, "product");
}

const char *
ub_phone_info_get_serial (UbPhoneInfo *self)
{
  return ub_phone_info_get_var (self, "serialno");
}

UbTristate
ub_phone_info_get_unlocked (UbPhoneInfo *self)
{
  g_return_val_if_fail (UB_IS_PHONE_INFO (self), UB_TRISTATE_UNKNOWN);
  return parse_tristate (ub_phone_info_get_var (self, "unlocked"));
}

const char *
ub_phone_info_get_current_slot (UbPhoneInfo *self)
{
  g_return_val_if_fail (UB_IS_PHONE_INFO (self), NULL);
  return self->slot;
}

int
ub_phone_info_get_anti (UbPhoneInfo *self)
{
  g_return_val_if_fail (UB_IS_PHONE_INFO (self), -1);
  return self->anti;
}

guint
ub_phone_info_get_battery_voltage (UbPhoneInfo *self)
{
  g_return_val_if_fail (UB_IS_PHONE_INFO (self), 0);
  return self->battery_mv;
}

UbTristate
ub_phone_info_get_battery_ok (UbPhoneInfo *self)
{
  g_return_val_if_fail (UB_IS_PHONE_INFO (self), UB_TRISTATE_UNKNOWN);
  return parse_tristate (ub_phone_info_get_var (self, "battery-soc-ok"));
}

UbTristate
ub_phone_info_get_secure (UbPhoneInfo *self)
{
  g_return_val_if_fail (UB_IS_PHONE_INFO (self), UB_TRISTATE_UNKNOWN);
  return parse_tristate (ub_phone_info_get_var (self, "secure"));
}

gboolean
ub_phone_info_get_is_userspace (UbPhoneInfo *self)
{
  g_return_val_if_fail (UB_IS_PHONE_INFO (self), FALSE);
  return parse_tristate (ub_phone_info_get_var (self, "is-userspace")) == UB_TRISTATE_YES;
}

guint64
ub_phone_info_get_max_download_size (UbPhoneInfo *self)
{
  g_return_val_if_fail (UB_IS_PHONE_INFO (self), 0);
  return self->max_download;
}

/* ------------------------------------------------------------------ GObject */

static void
ub_phone_info_finalize (GObject *object)
{
  UbPhoneInfo *self = UB_PHONE_INFO (object);

  g_hash_table_unref (self->vars);
  g_mutex_clear (&self->lock);
  g_free (self->slot);
  G_OBJECT_CLASS (ub_phone_info_parent_class)->finalize (object);
}

static void
ub_phone_info_class_init (UbPhoneInfoClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ub_phone_info_finalize;
}

static void
ub_phone_info_init (UbPhoneInfo *self)
{
  g_mutex_init (&self->lock);
  self->vars = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->anti = -1;
}
