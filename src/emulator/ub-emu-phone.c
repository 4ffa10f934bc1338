/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "ub-emu-phone-private.h"
#include "ub-emu-resources.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_PROFILE_RESOURCE "/org/gnome/Unbrick/emulator/alioth.ini"

G_DEFINE_FINAL_TYPE (UbEmuPhone, ub_emu_phone, G_TYPE_OBJECT)

/* Variables ABL publishes first, so `getvar all` lists them last. */
static const char * const tail_vars[] = {
  "secure", "serialno", "product", "snapshot-update-status",
  "is-userspace", "max-download-size", "kernel", NULL,
};

/* Values ABL prints as " 0x%x". */
static const char * const spaced_hex_vars[] = {
  "erase-block-size", "logical-block-size", NULL,
};

static void
partition_free (UbEmuPartition *p)
{
  g_free (p->name);
  g_free (p->type);
  g_free (p->path);
  g_free (p);
}

static void
fault_free (UbEmuFault *f)
{
  g_free (f->arg);
  g_free (f->message);
  g_free (f);
}

static void
ub_emu_phone_finalize (GObject *object)
{
  UbEmuPhone *self = UB_EMU_PHONE (object);

  if (self->log_fd >= 0)
    close (self->log_fd);
  g_free (self->state_dir);
  g_ptr_array_unref (self->var_names);
  g_hash_table_unref (self->vars);
  g_hash_table_unref (self->partition_map);
  g_ptr_array_unref (self->partitions);
  g_ptr_array_unref (self->slots);
  g_ptr_array_unref (self->faults);
  g_free (self->pending_flash_error);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (ub_emu_phone_parent_class)->finalize (object);
}

static void
ub_emu_phone_class_init (UbEmuPhoneClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ub_emu_phone_finalize;
}

static void
ub_emu_phone_init (UbEmuPhone *self)
{
  g_mutex_init (&self->lock);
  self->log_fd = -1;
  self->var_names = g_ptr_array_new_with_free_func (g_free);
  self->vars = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->partitions = g_ptr_array_new_with_free_func ((GDestroyNotify) partition_free);
  self->partition_map = g_hash_table_new (g_str_hash, g_str_equal);
  self->slots = g_ptr_array_new_with_free_func (g_free);
  self->faults = g_ptr_array_new_with_free_func ((GDestroyNotify) fault_free);
  self->unlock_allowed = TRUE;
}

/*
 * Digits only (no sign, prefix or blanks), at most @max. By hand because
 * g_ascii_string_to_unsigned() trusts errno, which an LD_PRELOAD (umockdev)
 * may set while strtoull sets up its C locale: valid numbers were refused.
 */
gboolean
ub_emu_parse_unsigned (const char *digits,
                       guint       base,
                       guint64     max,
                       guint64    *out)
{
  guint64 v = 0;

  if (digits == NULL || *digits == '\0')
    return FALSE;
  for (const char *p = digits; *p; p++)
    {
      int d = g_ascii_xdigit_value (*p);

      if (d < 0 || (guint) d >= base || v > (max - d) / base)
        return FALSE;
      v = v * base + d;
    }
  *out = v;
  return TRUE;
}

/* Accepts "0x..." hex or decimal, with optional surrounding spaces. */
static gboolean
parse_size (const char *text,
            guint64    *out)
{
  g_autofree char *s = g_strstrip (g_strdup (text));
  const char *digits = s;
  guint base = 10;

  if (g_ascii_strncasecmp (s, "0x", 2) == 0)
    {
      digits = s + 2;
      base = 16;
    }
  return ub_emu_parse_unsigned (digits, base, G_MAXUINT64, out);
}

static gboolean
valid_partition_name (const char *name)
{
  if (name == NULL || *name == '\0' || strlen (name) >= 36)
    return FALSE;
  for (const char *c = name; *c; c++)
    if (!g_ascii_isalnum (*c) && *c != '_' && *c != '-' && *c != '.')
      return FALSE;
  return TRUE;
}

static gboolean
add_partition (UbEmuPhone  *self,
               const char  *name,
               guint64      size,
               const char  *type,
               GError     **error)
{
  UbEmuPartition *p;
  g_autofree char *file = NULL;
  int fd;
  struct stat st;

  if (!valid_partition_name (name))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Invalid partition name “%s” in profile", name);
      return FALSE;
    }
  if (size == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Partition “%s” has size 0", name);
      return FALSE;
    }
  if (g_hash_table_contains (self->partition_map, name))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Partition “%s” defined twice", name);
      return FALSE;
    }

  file = g_strconcat (name, ".img", NULL);
  p = g_new0 (UbEmuPartition, 1);
  p->name = g_strdup (name);
  p->size = size;
  p->type = g_strdup (type ? type : "raw");
  p->path = g_build_filename (self->state_dir, file, NULL);
  g_ptr_array_add (self->partitions, p);
  g_hash_table_insert (self->partition_map, p->name, p);

  /* Sparse backing file: ftruncate leaves holes. Existing content is kept. */
  fd = g_open (p->path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      int errsv = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   "Cannot create %s: %s", p->path, g_strerror (errsv));
      return FALSE;
    }
  if (fstat (fd, &st) != 0 || (guint64) st.st_size != size)
    {
      if (ftruncate (fd, (off_t) size) != 0)
        {
          int errsv = errno;
          close (fd);
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                       "Cannot size %s: %s", p->path, g_strerror (errsv));
          return FALSE;
        }
    }
  close (fd);
  return TRUE;
}

static void
set_var_internal (UbEmuPhone *self,
                  const char *name,
                  const char *value)
{
  g_autofree char *v = NULL;

  if (g_strv_contains (spaced_hex_vars, name) && value[0] != ' ')
    v = g_strconcat (" ", value, NULL);
  else
    v = g_strdup (value);

  if (!g_hash_table_contains (self->vars, name))
    g_ptr_array_add (self->var_names, g_strdup (name));
  g_hash_table_insert (self->vars, g_strdup (name), g_steal_pointer (&v));
}

static gboolean
load_partitions_group (UbEmuPhone  *self,
                       GKeyFile    *profile,
                       const char  *group,
                       gboolean     all_slotted,
                       GHashTable  *types,
                       GError     **error)
{
  g_auto(GStrv) keys = NULL;

  if (!g_key_file_has_group (profile, group))
    return TRUE;

  keys = g_key_file_get_keys (profile, group, NULL, error);
  if (keys == NULL)
    return FALSE;

  for (guint i = 0; keys[i]; i++)
    {
      g_autofree char *value = g_key_file_get_value (profile, group, keys[i], NULL);
      g_autofree char *base = NULL;
      const char *type;
      guint64 size;
      gboolean slotted = all_slotted;

      if (value == NULL || !parse_size (value, &size))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "Bad size “%s” for partition “%s”", value ? value : "", keys[i]);
          return FALSE;
        }

      if (g_str_has_suffix (keys[i], "_ab"))
        {
          base = g_strndup (keys[i], strlen (keys[i]) - 3);
          slotted = TRUE;
        }
      else
        base = g_strdup (keys[i]);

      type = g_hash_table_lookup (types, base);

      if (slotted)
        {
          for (guint s = 0; s < 2; s++)
            {
              g_autofree char *name = g_strdup_printf ("%s_%c", base, (int) ('a' + s));
              const char *t = g_hash_table_lookup (types, name);

              if (!add_partition (self, name, size, t ? t : type, error))
                return FALSE;
            }
          if (self->slots->len == 0)
            {
              g_ptr_array_add (self->slots, g_strdup ("a"));
              g_ptr_array_add (self->slots, g_strdup ("b"));
            }
        }
      else if (!add_partition (self, base, size, type, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
load_profile (UbEmuPhone  *self,
              GKeyFile    *profile,
              GError     **error)
{
  g_autoptr(GHashTable) types = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_auto(GStrv) keys = NULL;

  if (g_key_file_has_group (profile, "device"))
    {
      keys = g_key_file_get_keys (profile, "device", NULL, error);
      if (keys == NULL)
        return FALSE;
      for (guint i = 0; keys[i]; i++)
        {
          g_autofree char *value = g_key_file_get_string (profile, "device", keys[i], NULL);
          set_var_internal (self, keys[i], value ? value : "");
        }
    }

  /* Essential variables every ABL publishes. */
  if (!g_hash_table_contains (self->vars, "product"))
    set_var_internal (self, "product", "generic");
  if (!g_hash_table_contains (self->vars, "serialno"))
    set_var_internal (self, "serialno", "emu00001");
  if (!g_hash_table_contains (self->vars, "unlocked"))
    set_var_internal (self, "unlocked", "yes");
  if (!g_hash_table_contains (self->vars, "secure"))
    set_var_internal (self, "secure", "yes");
  if (!g_hash_table_contains (self->vars, "max-download-size"))
    set_var_internal (self, "max-download-size", "805306368");
  if (!g_hash_table_contains (self->vars, "kernel"))
    set_var_internal (self, "kernel", "uefi");

  {
    guint64 mds;
    if (!parse_size (ub_emu_phone_get_var_locked (self, "max-download-size"), &mds) ||
        mds == 0 || mds > G_MAXUINT32)
      {
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                     "Bad max-download-size “%s”",
                     ub_emu_phone_get_var_locked (self, "max-download-size"));
        return FALSE;
      }
  }

  if (g_key_file_has_group (profile, "emulator") &&
      g_key_file_has_key (profile, "emulator", "unlock-allowed", NULL))
    self->unlock_allowed = g_key_file_get_boolean (profile, "emulator", "unlock-allowed", NULL);
  if (g_key_file_has_group (profile, "emulator") &&
      g_key_file_has_key (profile, "emulator", "restart-on-lock", NULL))
    self->restart_on_lock = g_key_file_get_boolean (profile, "emulator", "restart-on-lock", NULL);

  if (g_key_file_has_group (profile, "partition-types"))
    {
      g_auto(GStrv) tkeys = g_key_file_get_keys (profile, "partition-types", NULL, NULL);
      for (guint i = 0; tkeys && tkeys[i]; i++)
        g_hash_table_insert (types, g_strdup (tkeys[i]),
                             g_key_file_get_string (profile, "partition-types", tkeys[i], NULL));
    }

  if (!load_partitions_group (self, profile, "partitions", FALSE, types, error) ||
      !load_partitions_group (self, profile, "slotted-partitions", TRUE, types, error))
    return FALSE;

  if (self->slots->len > 0)
    {
      const char *cur = ub_emu_phone_get_var_locked (self, "current-slot");

      if (cur && cur[0] == '_')
        cur++;
      if (cur == NULL || (g_strcmp0 (cur, "a") != 0 && g_strcmp0 (cur, "b") != 0))
        cur = "a";
      set_var_internal (self, "current-slot", cur);
      set_var_internal (self, "slot-count", "2");
      for (guint s = 0; s < self->slots->len; s++)
        {
          const char *slot = g_ptr_array_index (self->slots, s);
          g_autofree char *succ = g_strdup_printf ("slot-successful:%s", slot);
          g_autofree char *unb = g_strdup_printf ("slot-unbootable:%s", slot);
          g_autofree char *retry = g_strdup_printf ("slot-retry-count:%s", slot);

          if (!g_hash_table_contains (self->vars, succ))
            set_var_internal (self, succ, "no");
          if (!g_hash_table_contains (self->vars, unb))
            set_var_internal (self, unb, "no");
          if (!g_hash_table_contains (self->vars, retry))
            set_var_internal (self, retry, "7");
        }
    }
  else
    {
      /* Non-A/B: ABL publishes no slot variables at all. */
      g_hash_table_remove (self->vars, "current-slot");
      g_hash_table_remove (self->vars, "slot-count");
    }

  if (g_key_file_has_group (profile, "faults"))
    {
      g_auto(GStrv) fkeys = g_key_file_get_keys (profile, "faults", NULL, NULL);
      for (guint i = 0; fkeys && fkeys[i]; i++)
        {
          g_autofree char *spec = g_key_file_get_string (profile, "faults", fkeys[i], NULL);
          if (spec && *spec && !ub_emu_phone_add_fault (self, spec, error))
            return FALSE;
        }
    }

  return TRUE;
}

UbEmuPhone *
ub_emu_phone_new (GKeyFile    *profile,
                  const char  *state_dir,
                  GError     **error)
{
  g_autoptr(UbEmuPhone) self = NULL;
  g_autoptr(GKeyFile) builtin = NULL;
  g_autofree char *log_path = NULL;

  g_return_val_if_fail (state_dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (UB_TYPE_EMU_PHONE, NULL);
  self->state_dir = g_canonicalize_filename (state_dir, NULL);

  if (g_mkdir_with_parents (self->state_dir, 0755) != 0)
    {
      int errsv = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   "Cannot create %s: %s", self->state_dir, g_strerror (errsv));
      return NULL;
    }

  if (profile == NULL)
    {
      g_autoptr(GBytes) bytes = NULL;

      bytes = g_resource_lookup_data (ub_emu_get_resource (), DEFAULT_PROFILE_RESOURCE, 0, error);
      if (bytes == NULL)
        return NULL;
      builtin = g_key_file_new ();
      if (!g_key_file_load_from_bytes (builtin, bytes, G_KEY_FILE_NONE, error))
        return NULL;
      profile = builtin;
    }

  if (!load_profile (self, profile, error))
    return NULL;

  log_path = g_build_filename (self->state_dir, "writes.log", NULL);
  self->log_fd = g_open (log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (self->log_fd < 0)
    {
      int errsv = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   "Cannot open %s: %s", log_path, g_strerror (errsv));
      return NULL;
    }

  return g_steal_pointer (&self);
}

UbEmuPhone *
ub_emu_phone_new_from_file (const char  *profile_path,
                            const char  *state_dir,
                            GError     **error)
{
  g_autoptr(GKeyFile) kf = NULL;

  if (profile_path == NULL)
    return ub_emu_phone_new (NULL, state_dir, error);

  kf = g_key_file_new ();
  if (!g_key_file_load_from_file (kf, profile_path, G_KEY_FILE_NONE, error))
    return NULL;
  return ub_emu_phone_new (kf, state_dir, error);
}

const char *
ub_emu_phone_get_serial (UbEmuPhone *self)
{
  const char *serial;

  g_return_val_if_fail (UB_IS_EMU_PHONE (self), NULL);

  /* serialno is immutable after construction in practice; the string is
   * owned by the hash table, which only replaces it on set_var. */
  g_mutex_lock (&self->lock);
  serial = ub_emu_phone_get_var_locked (self, "serialno");
  g_mutex_unlock (&self->lock);
  return serial;
}

const char *
ub_emu_phone_get_state_dir (UbEmuPhone *self)
{
  g_return_val_if_fail (UB_IS_EMU_PHONE (self), NULL);
  return self->state_dir;
}

char *
ub_emu_phone_get_partition_path (UbEmuPhone *self,
                                 const char *partition)
{
  UbEmuPartition *p;
  char *path = NULL;

  g_return_val_if_fail (UB_IS_EMU_PHONE (self), NULL);
  g_return_val_if_fail (partition != NULL, NULL);

  g_mutex_lock (&self->lock);
  p = ub_emu_phone_find_partition_locked (self, partition);
  if (p)
    path = g_strdup (p->path);
  g_mutex_unlock (&self->lock);
  return path;
}

void
ub_emu_phone_set_var (UbEmuPhone *self,
                      const char *name,
                      const char *value)
{
  g_return_if_fail (UB_IS_EMU_PHONE (self));
  g_return_if_fail (name != NULL && value != NULL);

  g_mutex_lock (&self->lock);
  ub_emu_phone_set_var_locked (self, name, value);
  g_mutex_unlock (&self->lock);
}

void
ub_emu_phone_set_restart_on_lock (UbEmuPhone *self,
                                  gboolean    restart)
{
  g_return_if_fail (UB_IS_EMU_PHONE (self));
  g_mutex_lock (&self->lock);
  self->restart_on_lock = restart;
  g_mutex_unlock (&self->lock);
}

gboolean
ub_emu_phone_get_restart_on_lock (UbEmuPhone *self)
{
  gboolean restart;

  g_return_val_if_fail (UB_IS_EMU_PHONE (self), FALSE);
  g_mutex_lock (&self->lock);
  restart = self->restart_on_lock;
  g_mutex_unlock (&self->lock);
  return restart;
}

char *
ub_emu_phone_dup_var (UbEmuPhone *self,
                      const char *name)
{
  char *value;

  g_return_val_if_fail (UB_IS_EMU_PHONE (self), NULL);

  g_mutex_lock (&self->lock);
  value = g_strdup (ub_emu_phone_get_var_locked (self, name));
  g_mutex_unlock (&self->lock);
  return value;
}

static gboolean
parse_uint (const char *s,
            guint64     max,
            guint64    *out)
{
  return ub_emu_parse_unsigned (s, 10, max, out);
}

/* nth is a small decimal without leading zero; anything else belongs to
 * the prefix (e.g. "download:00001000"). */
static gboolean
is_nth_token (const char *s)
{
  gsize len = strlen (s);

  if (len == 0 || len > 6 || s[0] == '0')
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isdigit (s[i]))
      return FALSE;
  return TRUE;
}

/* A "reply" fault's name, in UbEmuReplyKind order. */
static gboolean
reply_kind_from_name (const char     *name,
                      UbEmuReplyKind *kind)
{
  static const char *const names[] = {
    "long-reply", "split-reply", "empty-reply", "info-flood", "text-flood", "info-stall",
    "babble", NULL
  };

  for (guint i = 0; names[i] != NULL; i++)
    if (g_str_equal (name, names[i]))
      {
        *kind = (UbEmuReplyKind) i;
        return TRUE;
      }
  return FALSE;
}

gboolean
ub_emu_phone_add_fault (UbEmuPhone  *self,
                        const char  *spec,
                        GError     **error)
{
  UbEmuFault *f;
  const char *colon;
  g_autofree char *kind = NULL;
  const char *rest;
  guint64 v;

  g_return_val_if_fail (UB_IS_EMU_PHONE (self), FALSE);
  g_return_val_if_fail (spec != NULL, FALSE);

  colon = strchr (spec, ':');
  if (colon == NULL || colon[1] == '\0')
    goto bad;
  kind = g_strndup (spec, colon - spec);
  rest = colon + 1;

  f = g_new0 (UbEmuFault, 1);
  f->nth = 1;

  if (g_str_equal (kind, "fail"))
    {
      g_auto(GStrv) parts = g_strsplit (rest, ":", -1);
      guint n = g_strv_length (parts);
      guint nth_at = n;

      for (guint i = 1; i < n; i++)
        if (is_nth_token (parts[i]))
          {
            nth_at = i;
            break;
          }
      f->kind = UB_EMU_FAULT_FAIL;
      {
        g_autoptr(GString) prefix = g_string_new (parts[0]);
        for (guint i = 1; i < nth_at; i++)
          g_string_append_printf (prefix, ":%s", parts[i]);
        f->arg = g_string_free (g_steal_pointer (&prefix), FALSE);
      }
      if (nth_at < n)
        {
          f->nth = (guint) g_ascii_strtoull (parts[nth_at], NULL, 10);
          if (nth_at + 1 < n)
            f->message = g_strjoinv (":", parts + nth_at + 1);
        }
      if (f->message == NULL)
        f->message = g_strdup ("Injected failure");
    }
  else if (g_str_equal (kind, "disconnect-after") || g_str_equal (kind, "stall-after"))
    {
      f->kind = g_str_equal (kind, "stall-after") ? UB_EMU_FAULT_STALL_AFTER
                                                  : UB_EMU_FAULT_DISCONNECT_AFTER;
      if (!parse_uint (rest, G_MAXUINT64, &f->bytes))
        goto bad_free;
    }
  else if (g_str_equal (kind, "stall"))
    {
      f->kind = UB_EMU_FAULT_STALL;
      f->arg = g_strdup (rest);
    }
  else if (g_str_equal (kind, "delay"))
    {
      const char *last = strrchr (rest, ':');

      f->kind = UB_EMU_FAULT_DELAY;
      if (last == NULL || !parse_uint (last + 1, G_MAXUINT, &v))
        goto bad_free;
      f->ms = (guint) v;
      f->arg = g_strndup (rest, last - rest);
    }
  else if (g_str_equal (kind, "data-size"))
    {
      f->kind = UB_EMU_FAULT_DATA_SIZE;
      {
        gboolean negative = rest[0] == '-';
        guint64 magnitude;

        if (!ub_emu_parse_unsigned (rest + (negative ? 1 : 0), 10, G_MAXUINT32, &magnitude))
          goto bad_free;
        f->delta = negative ? -(gint64) magnitude : (gint64) magnitude;
      }
    }
  else if (g_str_equal (kind, "rate"))
    {
      /* a setting rather than a fault: the latest one applies */
      if (!parse_uint (rest, G_MAXUINT64, &v))
        goto bad_free;
      fault_free (f);
      g_mutex_lock (&self->lock);
      self->rate = v;
      g_mutex_unlock (&self->lock);
      return TRUE;
    }
  else if (reply_kind_from_name (kind, &f->reply))
    {
      f->kind = UB_EMU_FAULT_REPLY;
      f->arg = g_strdup (rest);
    }
  else if (g_str_equal (kind, "new-serial"))
    {
      f->kind = UB_EMU_FAULT_NEW_SERIAL;
      f->arg = g_strdup (rest);
    }
  else if (g_str_equal (kind, "deferred-fail"))
    {
      const char *last = strrchr (rest, ':');

      f->kind = UB_EMU_FAULT_DEFERRED_FAIL;
      if (last && is_nth_token (last + 1))
        {
          f->nth = (guint) g_ascii_strtoull (last + 1, NULL, 10);
          f->arg = g_strndup (rest, last - rest);
        }
      else
        f->arg = g_strdup (rest);
    }
  else
    goto bad_free;

  if (f->arg != NULL && *f->arg == '\0' && f->kind != UB_EMU_FAULT_DELAY)
    goto bad_free;

  g_mutex_lock (&self->lock);
  g_ptr_array_add (self->faults, f);
  g_mutex_unlock (&self->lock);
  return TRUE;

bad_free:
  fault_free (f);
bad:
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               "Invalid fault specification “%s”", spec);
  return FALSE;
}

void
ub_emu_phone_clear_faults (UbEmuPhone *self)
{
  g_return_if_fail (UB_IS_EMU_PHONE (self));

  g_mutex_lock (&self->lock);
  g_ptr_array_set_size (self->faults, 0);
  self->fault_epoch++;
  self->rate = 0;
  g_mutex_unlock (&self->lock);
}

guint
ub_emu_phone_get_n_writes (UbEmuPhone *self)
{
  guint n;

  g_return_val_if_fail (UB_IS_EMU_PHONE (self), 0);

  g_mutex_lock (&self->lock);
  n = self->n_writes;
  g_mutex_unlock (&self->lock);
  return n;
}

/* ---- internal, lock held ---------------------------------------------- */

const char *
ub_emu_phone_get_var_locked (UbEmuPhone *self,
                             const char *name)
{
  return g_hash_table_lookup (self->vars, name);
}

void
ub_emu_phone_set_var_locked (UbEmuPhone *self,
                             const char *name,
                             const char *value)
{
  set_var_internal (self, name, value);
}

gboolean
ub_emu_phone_is_unlocked_locked (UbEmuPhone *self)
{
  return g_strcmp0 (ub_emu_phone_get_var_locked (self, "unlocked"), "yes") == 0;
}

guint64
ub_emu_phone_get_max_download_locked (UbEmuPhone *self)
{
  guint64 v = 0;

  parse_size (ub_emu_phone_get_var_locked (self, "max-download-size"), &v);
  return v;
}

UbEmuPartition *
ub_emu_phone_find_partition_locked (UbEmuPhone *self,
                                    const char *name)
{
  return g_hash_table_lookup (self->partition_map, name);
}

static void
add_pair (GPtrArray  *list,
          char       *name,
          const char *value)
{
  g_ptr_array_add (list, name);
  g_ptr_array_add (list, g_strdup (value ? value : ""));
}

static gboolean
is_slot_var (const char *name)
{
  return g_str_equal (name, "current-slot") || g_str_equal (name, "slot-count") ||
         g_str_has_prefix (name, "slot-successful:") ||
         g_str_has_prefix (name, "slot-unbootable:") ||
         g_str_has_prefix (name, "slot-retry-count:") ||
         g_str_has_prefix (name, "has-slot:");
}

GPtrArray *
ub_emu_phone_list_vars_locked (UbEmuPhone *self)
{
  GPtrArray *list = g_ptr_array_new_with_free_func (g_free);

  /* 1. Free-form variables in profile order (ABL publishes these last). */
  for (guint i = 0; i < self->var_names->len; i++)
    {
      const char *name = g_ptr_array_index (self->var_names, i);

      if (g_strv_contains (tail_vars, name) || is_slot_var (name) ||
          !g_hash_table_contains (self->vars, name))
        continue;
      add_pair (list, g_strdup (name), g_hash_table_lookup (self->vars, name));
    }

  /* 2. Partition table. */
  for (guint i = 0; i < self->partitions->len; i++)
    {
      UbEmuPartition *p = g_ptr_array_index (self->partitions, i);
      g_autofree char *size = g_strdup_printf (" 0x%" G_GINT64_MODIFIER "X", p->size);

      add_pair (list, g_strdup_printf ("partition-type:%s", p->name), p->type);
      add_pair (list, g_strdup_printf ("partition-size:%s", p->name), size);
    }

  /* 3. Slot metadata (A/B only), in ABL's order. */
  if (self->slots->len > 0)
    {
      const char *yes_no[2] = { "no", "yes" };

      add_pair (list, g_strdup ("has-slot:modem"),
                yes_no[g_hash_table_contains (self->partition_map, "modem_a")]);
      add_pair (list, g_strdup ("has-slot:system"),
                yes_no[g_hash_table_contains (self->partition_map, "system_a")]);
      add_pair (list, g_strdup ("current-slot"),
                ub_emu_phone_get_var_locked (self, "current-slot"));
      add_pair (list, g_strdup ("has-slot:boot"), "yes");
      for (guint s = self->slots->len; s > 0; s--)
        {
          const char *slot = g_ptr_array_index (self->slots, s - 1);
          const char *fields[] = { "slot-retry-count", "slot-unbootable", "slot-successful" };

          for (guint k = 0; k < G_N_ELEMENTS (fields); k++)
            {
              char *name = g_strdup_printf ("%s:%s", fields[k], slot);
              add_pair (list, name, ub_emu_phone_get_var_locked (self, name));
            }
        }
      add_pair (list, g_strdup ("slot-count"), ub_emu_phone_get_var_locked (self, "slot-count"));
    }

  /* 4. Core variables ABL publishes first. */
  for (guint i = 0; tail_vars[i]; i++)
    if (g_hash_table_contains (self->vars, tail_vars[i]))
      add_pair (list, g_strdup (tail_vars[i]), ub_emu_phone_get_var_locked (self, tail_vars[i]));

  return list;
}

void
ub_emu_phone_log_locked (UbEmuPhone *self,
                         const char *format,
                         ...)
{
  g_autofree char *line = NULL;
  va_list args;
  gsize len, done = 0;

  va_start (args, format);
  line = g_strdup_vprintf (format, args);
  va_end (args);

  line = g_realloc (line, strlen (line) + 2);
  strcat (line, "\n");
  len = strlen (line);

  /* One write() per line on an O_APPEND fd: atomic and unbuffered. */
  while (done < len)
    {
      ssize_t n = write (self->log_fd, line + done, len - done);
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          g_warning ("writes.log: %s", g_strerror (errno));
          return;
        }
      done += (gsize) n;
    }
}
