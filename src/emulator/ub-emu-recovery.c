/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "ub-emu-recovery.h"
#include "ub-emu-xiaomi-key.h"

#include <gio/gio.h>

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

/* adb constants, our own copy (independent of src/adb). */
#define A_CNXN 0x4e584e43u
#define A_OPEN 0x4e45504fu
#define A_OKAY 0x59414b4fu
#define A_WRTE 0x45545257u
#define A_CLSE 0x45534c43u
#define A_AUTH 0x48545541u

#define ADB_VERSION     0x01000001u
#define ADB_MAXDATA     (1024 * 1024)
#define ADB_HEADER_SIZE 24
#define AUTH_TOKEN      1
#define AUTH_TOKEN_SIZE 20

#define BAD_TOKEN_TEXT   "Verification failed: this package is not approved for this phone"
#define SHA1_FAIL_TEXT   "Verification failed: the package does not match its approval (SHA-1)"
#define CHANGED_TEXT     "Installation failed: the package changed between verification and install"
#define FORMAT_TEXT      "Formatting /data...\nDone\n"

struct _UbEmuRecovery
{
  GObject             parent_instance;

  GMutex              lock;
  char               *package_path;
  GHashTable         *info;          /* key -> interned value */
  UbEmuRecoveryFault  fault;
  guint64             fault_bytes;
  guint               fault_ms;
  guint               install_delay;

  guint               installs;
  guint               formats;
  const char         *last_reboot;   /* interned or NULL */
  guint64             bytes_received;
  const char         *last_error;    /* interned or NULL */
};

G_DEFINE_FINAL_TYPE (UbEmuRecovery, ub_emu_recovery, G_TYPE_OBJECT)

static void
ub_emu_recovery_finalize (GObject *object)
{
  UbEmuRecovery *self = UB_EMU_RECOVERY (object);

  g_free (self->package_path);
  g_hash_table_unref (self->info);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (ub_emu_recovery_parent_class)->finalize (object);
}

static void
ub_emu_recovery_class_init (UbEmuRecoveryClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ub_emu_recovery_finalize;
}

static void
ub_emu_recovery_init (UbEmuRecovery *self)
{
  static const char *defaults[][2] = {
    { "device", "begonia" },
    { "version", "V12.5.6.0.RGGMIXM" },
    { "sn", "3f6a2b91" },
    { "codebase", "11.0" },
    { "branch", "F" },
    { "language", "en-US" },
    { "region", "GL" },
    { "romzone", "2" },
  };

  g_mutex_init (&self->lock);
  /* Values are interned: get_info() may hand them to other threads. */
  self->info = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (defaults); i++)
    g_hash_table_insert (self->info, g_strdup (defaults[i][0]),
                         (gpointer) g_intern_string (defaults[i][1]));
}

UbEmuRecovery *
ub_emu_recovery_new (const char *package_path)
{
  UbEmuRecovery *self;

  g_return_val_if_fail (package_path != NULL, NULL);

  self = g_object_new (UB_TYPE_EMU_RECOVERY, NULL);
  self->package_path = g_strdup (package_path);
  return self;
}

void
ub_emu_recovery_set_info (UbEmuRecovery *self,
                          const char    *key,
                          const char    *value)
{
  g_return_if_fail (UB_IS_EMU_RECOVERY (self));
  g_return_if_fail (key != NULL);

  g_mutex_lock (&self->lock);
  if (value == NULL)
    g_hash_table_remove (self->info, key);
  else
    g_hash_table_insert (self->info, g_strdup (key), (gpointer) g_intern_string (value));
  g_mutex_unlock (&self->lock);
}

const char *
ub_emu_recovery_get_info (UbEmuRecovery *self,
                          const char    *key)
{
  const char *value;

  g_return_val_if_fail (UB_IS_EMU_RECOVERY (self), NULL);

  g_mutex_lock (&self->lock);
  value = g_hash_table_lookup (self->info, key);
  g_mutex_unlock (&self->lock);
  return value;
}

void
ub_emu_recovery_set_fault (UbEmuRecovery      *self,
                           UbEmuRecoveryFault  fault,
                           guint64             fault_bytes,
                           guint               fault_ms)
{
  g_return_if_fail (UB_IS_EMU_RECOVERY (self));

  g_mutex_lock (&self->lock);
  self->fault = fault;
  self->fault_bytes = fault_bytes;
  self->fault_ms = fault_ms;
  g_mutex_unlock (&self->lock);
}

void
ub_emu_recovery_set_install_delay (UbEmuRecovery *self,
                                   guint          ms)
{
  g_return_if_fail (UB_IS_EMU_RECOVERY (self));

  g_mutex_lock (&self->lock);
  self->install_delay = ms;
  g_mutex_unlock (&self->lock);
}

#define LOCKED_GETTER(type, name, field)                  \
  type                                                    \
  ub_emu_recovery_get_##name (UbEmuRecovery *self)        \
  {                                                       \
    type value;                                           \
    g_return_val_if_fail (UB_IS_EMU_RECOVERY (self), 0);  \
    g_mutex_lock (&self->lock);                           \
    value = self->field;                                  \
    g_mutex_unlock (&self->lock);                         \
    return value;                                         \
  }

LOCKED_GETTER (guint, installs, installs)
LOCKED_GETTER (guint, formats, formats)
LOCKED_GETTER (const char *, last_reboot, last_reboot)
LOCKED_GETTER (guint64, bytes_received, bytes_received)
LOCKED_GETTER (const char *, last_error, last_error)

gboolean
ub_emu_recovery_set_fault_from_string (UbEmuRecovery  *self,
                                       const char     *spec,
                                       GError        **error)
{
  static const struct {
    const char         *name;
    UbEmuRecoveryFault  fault;
    guint               n_args;  /* after the name */
  } faults[] = {
    { "none", UB_EMU_RECOVERY_FAULT_NONE, 0 },
    { "silence", UB_EMU_RECOVERY_FAULT_SILENCE, 2 },
    { "unplug", UB_EMU_RECOVERY_FAULT_UNPLUG, 1 },
    { "install-fail", UB_EMU_RECOVERY_FAULT_INSTALL_FAIL, 0 },
    { "auth", UB_EMU_RECOVERY_FAULT_AUTH, 0 },
    { "not-sideload", UB_EMU_RECOVERY_FAULT_NOT_SIDELOAD, 0 },
  };
  g_auto(GStrv) parts = NULL;

  g_return_val_if_fail (UB_IS_EMU_RECOVERY (self), FALSE);
  g_return_val_if_fail (spec != NULL, FALSE);

  parts = g_strsplit (spec, ":", -1);
  for (guint i = 0; i < G_N_ELEMENTS (faults); i++)
    {
      guint64 bytes = 0, ms = 0;

      if (strcmp (parts[0], faults[i].name) != 0)
        continue;
      if (g_strv_length (parts) != faults[i].n_args + 1 ||
          (faults[i].n_args >= 1 &&
           !g_ascii_string_to_unsigned (parts[1], 10, 0, G_MAXUINT64, &bytes, NULL)) ||
          (faults[i].n_args >= 2 &&
           !g_ascii_string_to_unsigned (parts[2], 10, 0, G_MAXUINT, &ms, NULL)))
        break;
      ub_emu_recovery_set_fault (self, faults[i].fault, bytes, (guint) ms);
      return TRUE;
    }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               "Unknown recovery fault “%s” (none, silence:BYTES:MS, unplug:BYTES, "
               "install-fail, auth, not-sideload)", spec);
  return FALSE;
}

char *
ub_emu_recovery_dup_summary (UbEmuRecovery *self)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();

  g_return_val_if_fail (UB_IS_EMU_RECOVERY (self), NULL);

  g_mutex_lock (&self->lock);
  g_key_file_set_uint64 (kf, "recovery", "installs", self->installs);
  g_key_file_set_uint64 (kf, "recovery", "formats", self->formats);
  g_key_file_set_uint64 (kf, "recovery", "bytes-received", self->bytes_received);
  if (self->last_reboot)
    g_key_file_set_string (kf, "recovery", "last-reboot", self->last_reboot);
  if (self->last_error)
    g_key_file_set_string (kf, "recovery", "last-error", self->last_error);
  g_mutex_unlock (&self->lock);
  return g_key_file_to_data (kf, NULL, NULL);
}

static void
recovery_set_error (UbEmuRecovery *self,
                    const char    *text)
{
  g_mutex_lock (&self->lock);
  self->last_error = text ? g_intern_string (text) : NULL;
  g_mutex_unlock (&self->lock);
}

/* ------------------------------------------------------------------ */

typedef enum {
  STREAM_NONE,
  STREAM_TEXT,      /* one WRTE, host OKAY, CLSE */
  STREAM_SIDELOAD,
} StreamKind;

typedef enum {
  SL_REQUEST,       /* next: ask for the block at order[pos] */
  SL_WAIT_OKAY,     /* our request was sent; host must OKAY it */
  SL_WAIT_DATA,     /* host sends the block's bytes */
  SL_PAUSED,        /* a timer runs (silence fault, install delay) */
  SL_FINAL,         /* final text sent, host must OKAY it; then CLSE */
} SideloadState;

struct _UbEmuRecoverySession
{
  GObject                  parent_instance;

  GRecMutex                lock;
  UbEmuRecovery           *recovery;
  GMainContext            *context;
  UbEmuRecoveryOutputFunc  output;
  gpointer                 user_data;

  gboolean                 closed;
  gboolean                 connected;   /* CNXN answered */
  gboolean                 auth_mode;   /* AUTH fault: we answered CNXN with AUTH */
  gboolean                 sideload_ok; /* banner "sideload::" */
  guint32                  host_version;

  /* Incoming packet. */
  guint8                   hdr[ADB_HEADER_SIZE];
  gsize                    hdr_have;
  guint8                  *payload;     /* grow-only, at most ADB_MAXDATA */
  gsize                    payload_size;
  gsize                    payload_len;
  gsize                    payload_have;

  /* The one open stream. */
  StreamKind               kind;
  guint32                  local_id;    /* ours */
  guint32                  remote_id;   /* the host's */
  guint32                  next_local_id;
  guint32                  last_closed_local_id;
  gboolean                 awaiting_okay;  /* we sent WRTE, host has not OKAYed */
  gboolean                 host_may_write; /* we sent OKAY, host has not written since */

  /* Sideload. */
  SideloadState            sl_state;
  guint64                  sl_size;
  guint32                  sl_block;
  guint32                  sl_nblocks;
  guint32                 *sl_order;
  guint                    sl_order_len;
  guint                    sl_pos;
  guint                    sl_pass1_len; /* order[0 .. pass1_len) is pass 1 */
  guint32                  sl_current;
  guint8                  *sl_buf;
  guint8                  *sl_check;    /* pass 2: the block as written in pass 1 */
  gsize                    sl_have;
  gsize                    sl_want;
  int                      sl_fd;
  char                    *sl_sha1;
  guint64                  sl_served;
  gboolean                 sl_silence_done;
  gboolean                 sl_verified;   /* pass 1 done and checked */
  gboolean                 sl_delayed;    /* install delay done */
  GSource                 *timer;
};

G_DEFINE_FINAL_TYPE (UbEmuRecoverySession, ub_emu_recovery_session, G_TYPE_OBJECT)

static void
session_clear_timer (UbEmuRecoverySession *self)
{
  if (self->timer)
    {
      g_source_destroy (self->timer);
      g_clear_pointer (&self->timer, g_source_unref);
    }
}

static void
sideload_reset (UbEmuRecoverySession *self)
{
  session_clear_timer (self);
  g_clear_pointer (&self->sl_order, g_free);
  g_clear_pointer (&self->sl_buf, g_free);
  g_clear_pointer (&self->sl_check, g_free);
  g_clear_pointer (&self->sl_sha1, g_free);
  if (self->sl_fd >= 0)
    close (self->sl_fd);
  self->sl_fd = -1;
  self->sl_order_len = self->sl_pos = self->sl_pass1_len = 0;
  self->sl_have = self->sl_want = 0;
  self->sl_verified = FALSE;
  self->sl_delayed = FALSE;
}

static void
ub_emu_recovery_session_finalize (GObject *object)
{
  UbEmuRecoverySession *self = UB_EMU_RECOVERY_SESSION (object);

  sideload_reset (self);
  g_free (self->payload);
  g_clear_object (&self->recovery);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_rec_mutex_clear (&self->lock);
  G_OBJECT_CLASS (ub_emu_recovery_session_parent_class)->finalize (object);
}

static void
ub_emu_recovery_session_dispose (GObject *object)
{
  UbEmuRecoverySession *self = UB_EMU_RECOVERY_SESSION (object);

  g_rec_mutex_lock (&self->lock);
  session_clear_timer (self);
  g_rec_mutex_unlock (&self->lock);
  G_OBJECT_CLASS (ub_emu_recovery_session_parent_class)->dispose (object);
}

static void
ub_emu_recovery_session_class_init (UbEmuRecoverySessionClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ub_emu_recovery_session_finalize;
  G_OBJECT_CLASS (klass)->dispose = ub_emu_recovery_session_dispose;
}

static void
ub_emu_recovery_session_init (UbEmuRecoverySession *self)
{
  g_rec_mutex_init (&self->lock);
  self->sl_fd = -1;
  self->next_local_id = 1;
}

UbEmuRecoverySession *
ub_emu_recovery_session_new (UbEmuRecovery           *recovery,
                             GMainContext            *context,
                             UbEmuRecoveryOutputFunc  output,
                             gpointer                 user_data)
{
  UbEmuRecoverySession *self;

  g_return_val_if_fail (UB_IS_EMU_RECOVERY (recovery), NULL);
  g_return_val_if_fail (output != NULL, NULL);

  self = g_object_new (UB_TYPE_EMU_RECOVERY_SESSION, NULL);
  self->recovery = g_object_ref (recovery);
  self->context = context ? g_main_context_ref (context) : g_main_context_ref_thread_default ();
  self->output = output;
  self->user_data = user_data;
  return self;
}

gboolean
ub_emu_recovery_session_is_closed (UbEmuRecoverySession *self)
{
  gboolean closed;

  g_return_val_if_fail (UB_IS_EMU_RECOVERY_SESSION (self), TRUE);

  g_rec_mutex_lock (&self->lock);
  closed = self->closed;
  g_rec_mutex_unlock (&self->lock);
  return closed;
}

static void
session_drop (UbEmuRecoverySession *self)
{
  self->closed = TRUE;
  self->kind = STREAM_NONE;
  sideload_reset (self);
}

/* A protocol violation by the host: a real device would drop the link, and
 * the warning shows the host's bug in tests. */
G_GNUC_PRINTF (2, 3)
static gboolean
violation (UbEmuRecoverySession *self,
           const char           *format,
           ...)
{
  g_autofree char *msg = NULL;
  va_list args;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_warning ("Emulated recovery: adb protocol violation by the host: %s", msg);
  session_drop (self);
  return FALSE;
}

static void
send_packet (UbEmuRecoverySession *self,
             guint32               command,
             guint32               arg0,
             guint32               arg1,
             const void           *data,
             gsize                 len)
{
  guint8 hdr[ADB_HEADER_SIZE];
  guint32 fields[6];
  guint32 sum = 0;

  if (self->closed)
    return;
  for (gsize i = 0; i < len; i++)
    sum += ((const guint8 *) data)[i];
  fields[0] = GUINT32_TO_LE (command);
  fields[1] = GUINT32_TO_LE (arg0);
  fields[2] = GUINT32_TO_LE (arg1);
  fields[3] = GUINT32_TO_LE ((guint32) len);
  fields[4] = GUINT32_TO_LE (sum);
  fields[5] = GUINT32_TO_LE (command ^ 0xffffffffu);
  memcpy (hdr, fields, sizeof hdr);
  self->output (hdr, sizeof hdr, self->user_data);
  if (len > 0)
    self->output (data, len, self->user_data);
}

static void
stream_write (UbEmuRecoverySession *self,
              const char           *text,
              gsize                 len)
{
  send_packet (self, A_WRTE, self->local_id, self->remote_id, text, len);
  self->awaiting_okay = TRUE;
}

static void
stream_okay (UbEmuRecoverySession *self)
{
  send_packet (self, A_OKAY, self->local_id, self->remote_id, NULL, 0);
  self->host_may_write = TRUE;
}

/* The open stream is gone (closed by either side): no stream, no sideload. */
static void
stream_forget (UbEmuRecoverySession *self)
{
  self->last_closed_local_id = self->local_id;
  self->kind = STREAM_NONE;
  self->local_id = self->remote_id = 0;
  self->awaiting_okay = self->host_may_write = FALSE;
  sideload_reset (self);
}

static void
stream_close (UbEmuRecoverySession *self)
{
  send_packet (self, A_CLSE, self->local_id, self->remote_id, NULL, 0);
  stream_forget (self);
}

/* ------------------------------------------------------------------ */
/* Sideload */

static void sideload_next (UbEmuRecoverySession *self);

static void
sideload_final (UbEmuRecoverySession *self,
                const char           *text)
{
  UbEmuRecovery *rec = self->recovery;

  if (text == NULL)
    {
      g_mutex_lock (&rec->lock);
      rec->installs++;
      rec->last_error = NULL;
      g_mutex_unlock (&rec->lock);
      text = "DONEDONE";
    }
  else
    {
      recovery_set_error (rec, text);
    }
  self->sl_state = SL_FINAL;
  stream_write (self, text, strlen (text));
}

static gboolean
sideload_timer_cb (gpointer user_data)
{
  UbEmuRecoverySession *self = user_data;
  gboolean done;

  g_rec_mutex_lock (&self->lock);
  g_clear_pointer (&self->timer, g_source_unref);
  done = self->kind == STREAM_SIDELOAD && self->sl_state == SL_PAUSED && !self->closed;
  if (done)
    {
      self->sl_state = SL_REQUEST;
      sideload_next (self);
    }
  g_rec_mutex_unlock (&self->lock);
  return G_SOURCE_REMOVE;
}

static void
sideload_pause (UbEmuRecoverySession *self,
                guint                 ms)
{
  self->sl_state = SL_PAUSED;
  session_clear_timer (self);
  self->timer = g_timeout_source_new (ms);
  /* The timer holds a reference: a dispose on another thread (USB bridge)
   * cannot free the session under a running callback. */
  g_source_set_callback (self->timer, sideload_timer_cb, g_object_ref (self), g_object_unref);
  g_source_attach (self->timer, self->context);
}

/* The SHA-1 of the package file, streamed. */
static char *
file_sha1 (int fd)
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA1);
  g_autofree guint8 *buf = g_malloc (65536);
  off_t off = 0;

  for (;;)
    {
      ssize_t n = pread (fd, buf, 65536, off);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return NULL;
      if (n == 0)
        break;
      g_checksum_update (sum, buf, n);
      off += n;
    }
  return g_strdup (g_checksum_get_string (sum));
}

/* Asks for the next block, or finishes a pass. */
static void
sideload_next (UbEmuRecoverySession *self)
{
  char request[9];

  if (!self->sl_verified && self->sl_pos == self->sl_pass1_len)
    {
      UbEmuRecoveryFault fault;
      g_autofree char *sha1 = NULL;

      /* Pass 1 (verify) is over: check the package against its approval. */
      g_mutex_lock (&self->recovery->lock);
      fault = self->recovery->fault;
      g_mutex_unlock (&self->recovery->lock);
      sha1 = file_sha1 (self->sl_fd);
      if (sha1 == NULL || g_ascii_strcasecmp (sha1, self->sl_sha1) != 0)
        {
          sideload_final (self, SHA1_FAIL_TEXT);
          return;
        }
      if (fault == UB_EMU_RECOVERY_FAULT_INSTALL_FAIL)
        {
          sideload_final (self, UB_EMU_RECOVERY_FAIL_TEXT);
          return;
        }
      self->sl_verified = TRUE;
    }

  if (self->sl_pos >= self->sl_order_len)
    {
      guint delay;

      g_mutex_lock (&self->recovery->lock);
      delay = self->recovery->install_delay;
      g_mutex_unlock (&self->recovery->lock);
      if (delay > 0 && !self->sl_delayed)
        {
          self->sl_delayed = TRUE;
          sideload_pause (self, delay);
        }
      else
        sideload_final (self, NULL);
      return;
    }

  self->sl_current = self->sl_order[self->sl_pos];
  self->sl_want = (gsize) MIN ((guint64) self->sl_block,
                               self->sl_size - (guint64) self->sl_current * self->sl_block);
  self->sl_have = 0;
  g_snprintf (request, sizeof request, "%08u", self->sl_current);
  self->sl_state = SL_WAIT_OKAY;
  stream_write (self, request, 8);
}

static gboolean
sideload_block_done (UbEmuRecoverySession *self)
{
  UbEmuRecovery *rec = self->recovery;
  off_t off = (off_t) self->sl_current * self->sl_block;
  gboolean pass1 = !self->sl_verified;
  UbEmuRecoveryFault fault;
  guint64 fault_bytes;
  guint fault_ms;

  if (pass1)
    {
      gsize done = 0;

      while (done < self->sl_want)
        {
          ssize_t n = pwrite (self->sl_fd, self->sl_buf + done, self->sl_want - done, off + done);

          if (n < 0 && errno == EINTR)
            continue;
          if (n <= 0)
            {
              g_warning ("Emulated recovery: cannot write the package: %s", g_strerror (errno));
              sideload_final (self, "Installation failed: cannot write the package");
              return TRUE;
            }
          done += n;
        }
    }
  else
    {
      ssize_t n;

      if (self->sl_check == NULL)
        self->sl_check = g_malloc (self->sl_block);
      n = pread (self->sl_fd, self->sl_check, self->sl_want, off);
      if (n != (ssize_t) self->sl_want || memcmp (self->sl_check, self->sl_buf, self->sl_want) != 0)
        {
          sideload_final (self, CHANGED_TEXT);
          return TRUE;
        }
    }

  self->sl_served += self->sl_want;
  g_mutex_lock (&rec->lock);
  rec->bytes_received = self->sl_served;
  fault = rec->fault;
  fault_bytes = rec->fault_bytes;
  fault_ms = rec->fault_ms;
  g_mutex_unlock (&rec->lock);

  self->sl_pos++;
  self->sl_state = SL_REQUEST;

  if (fault == UB_EMU_RECOVERY_FAULT_UNPLUG && self->sl_served >= fault_bytes)
    {
      session_drop (self);
      return FALSE;
    }
  if (fault == UB_EMU_RECOVERY_FAULT_SILENCE && self->sl_served >= fault_bytes &&
      !self->sl_silence_done)
    {
      self->sl_silence_done = TRUE;
      /* After the last block of pass 2 the timer ends the install. */
      sideload_pause (self, fault_ms);
      return TRUE;
    }
  sideload_next (self);
  return TRUE;
}

/* A scrambled but deterministic order of @n blocks, some asked twice, then
 * all of them again in order (install). */
static void
sideload_plan (UbEmuRecoverySession *self)
{
  guint32 n = self->sl_nblocks;
  guint32 *perm = g_new (guint32, n);
  guint32 *order = g_new (guint32, (gsize) n + n / 4 + 1 + n);
  g_autoptr(GRand) rand = g_rand_new_with_seed (0x5eed + n);
  guint len = 0;

  for (guint32 i = 0; i < n; i++)
    perm[i] = i;
  for (guint32 i = n; i > 1; i--)
    {
      guint32 j = g_rand_int_range (rand, 0, (gint32) i);
      guint32 t = perm[i - 1];
      perm[i - 1] = perm[j];
      perm[j] = t;
    }
  for (guint32 i = 0; i < n; i++)
    {
      order[len++] = perm[i];
      if (i % 4 == 2)
        order[len++] = perm[i / 2];  /* read again, as the verifier does */
    }
  self->sl_pass1_len = len;
  for (guint32 i = 0; i < n; i++)
    order[len++] = i;
  g_free (perm);
  self->sl_order = order;
  self->sl_order_len = len;
}

static void
open_sideload (UbEmuRecoverySession *self,
               const char           *service)
{
  UbEmuRecovery *rec = self->recovery;
  g_auto(GStrv) parts = g_strsplit (service, ":", -1);
  g_autoptr(UbEmuToken) token = NULL;
  g_autoptr(GError) error = NULL;
  guint64 size = 0, block = 0;
  const char *sn, *zone;
  UbEmuRecoveryFault fault;
  guint64 fault_bytes;
  guint fault_ms;

  if (g_strv_length (parts) != 5 ||
      !g_ascii_string_to_unsigned (parts[1], 10, 1, G_MAXUINT64, &size, NULL) ||
      !g_ascii_string_to_unsigned (parts[2], 10, 1, ADB_MAXDATA, &block, NULL) ||
      (size + block - 1) / block > G_MAXUINT32 / 2)
    {
      /* minadbd refuses the service */
      send_packet (self, A_CLSE, 0, self->remote_id, NULL, 0);
      return;
    }

  self->kind = STREAM_SIDELOAD;
  self->local_id = self->next_local_id++;
  stream_okay (self);

  g_mutex_lock (&rec->lock);
  rec->bytes_received = 0;
  rec->last_error = NULL;
  fault = rec->fault;
  fault_bytes = rec->fault_bytes;
  fault_ms = rec->fault_ms;
  g_mutex_unlock (&rec->lock);

  sn = ub_emu_recovery_get_info (rec, "sn");
  zone = ub_emu_recovery_get_info (rec, "romzone");
  /* The token binds the approval to the phone as it was when asked: its
   * serial, the version it runs and its ROM zone must all still match. */
  token = ub_emu_token_verify (parts[3], &error);
  if (token == NULL || g_strcmp0 (token->serial, sn) != 0 ||
      g_strcmp0 (token->version, ub_emu_recovery_get_info (rec, "version")) != 0 ||
      g_strcmp0 (token->zone, zone) != 0)
    {
      sideload_final (self, BAD_TOKEN_TEXT);
      return;
    }

  self->sl_fd = g_open (rec->package_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (self->sl_fd < 0)
    {
      g_warning ("Emulated recovery: cannot create %s: %s", rec->package_path, g_strerror (errno));
      sideload_final (self, "Installation failed: cannot write the package");
      return;
    }
  self->sl_size = size;
  self->sl_block = (guint32) block;
  self->sl_nblocks = (guint32) ((size + block - 1) / block);
  self->sl_sha1 = g_strdup (token->sha1);
  self->sl_buf = g_malloc (block);
  self->sl_served = 0;
  self->sl_silence_done = FALSE;
  sideload_plan (self);
  self->sl_state = SL_REQUEST;
  if (fault == UB_EMU_RECOVERY_FAULT_SILENCE && fault_bytes == 0)
    {
      /* silent before the first request, as real recoveries can be */
      self->sl_silence_done = TRUE;
      sideload_pause (self, fault_ms);
      return;
    }
  sideload_next (self);
}

/* ------------------------------------------------------------------ */

static void
open_text (UbEmuRecoverySession *self,
           const char           *text)
{
  self->kind = STREAM_TEXT;
  self->local_id = self->next_local_id++;
  stream_okay (self);
  stream_write (self, text, strlen (text));
}

static gboolean
handle_open (UbEmuRecoverySession *self,
             guint32               arg0,
             guint32               arg1)
{
  static const char *info_services[] = {
    "getdevice:", "getversion:", "getsn:", "getcodebase:", "getbranch:",
    "getlanguage:", "getregion:", "getromzone:",
  };
  g_autofree char *service = NULL;
  UbEmuRecovery *rec = self->recovery;

  if (arg0 == 0 || arg1 != 0)
    return violation (self, "OPEN(%u, %u): bad ids", arg0, arg1);
  if (self->payload_len == 0 || self->payload[self->payload_len - 1] != '\0' ||
      memchr (self->payload, '\0', self->payload_len) != self->payload + self->payload_len - 1)
    return violation (self, "OPEN: the service name is not one NUL-terminated string");
  service = g_strndup ((const char *) self->payload, self->payload_len - 1);

  if (self->kind != STREAM_NONE || !self->sideload_ok)
    {
      /* One service at a time (minadbd); a started phone offers nothing here. */
      send_packet (self, A_CLSE, 0, arg0, NULL, 0);
      return TRUE;
    }
  self->remote_id = arg0;

  for (guint i = 0; i < G_N_ELEMENTS (info_services); i++)
    if (strcmp (service, info_services[i]) == 0)
      {
        g_autofree char *key = g_strndup (service + 3, strlen (service) - 4);
        const char *value = ub_emu_recovery_get_info (rec, key);
        g_autofree char *text = g_strdup_printf ("%s\n", value ? value : "");

        open_text (self, text);
        return TRUE;
      }

  if (strcmp (service, "format-data:") == 0)
    {
      gboolean unplug;

      g_mutex_lock (&rec->lock);
      unplug = rec->fault == UB_EMU_RECOVERY_FAULT_UNPLUG;
      if (!unplug)
        rec->formats++;
      g_mutex_unlock (&rec->lock);
      if (unplug)
        {
          /* the cable is pulled while /data is being formatted: no answer */
          session_drop (self);
          return FALSE;
        }
      open_text (self, FORMAT_TEXT);
      return TRUE;
    }

  /* "reboot:" targets as AOSP minadbd names them. */
  if (strcmp (service, "reboot:") == 0 || strcmp (service, "reboot:bootloader") == 0 ||
      strcmp (service, "reboot:recovery") == 0)
    {
      self->local_id = self->next_local_id++;
      send_packet (self, A_OKAY, self->local_id, self->remote_id, NULL, 0);
      g_mutex_lock (&rec->lock);
      rec->last_reboot = g_intern_string (service + strlen ("reboot:"));
      g_mutex_unlock (&rec->lock);
      session_drop (self);
      return FALSE;
    }

  if (g_str_has_prefix (service, "sideload-host:"))
    {
      open_sideload (self, service);
      return !self->closed;
    }

  send_packet (self, A_CLSE, 0, arg0, NULL, 0);
  self->remote_id = 0;
  return TRUE;
}

static gboolean
stream_ids_match (UbEmuRecoverySession *self,
                  guint32               arg0,
                  guint32               arg1)
{
  return self->kind != STREAM_NONE && arg0 == self->remote_id && arg1 == self->local_id;
}

static gboolean
handle_okay (UbEmuRecoverySession *self,
             guint32               arg0,
             guint32               arg1)
{
  if (!stream_ids_match (self, arg0, arg1))
    {
      if (arg1 != 0 && arg1 == self->last_closed_local_id)
        return TRUE;  /* late, for a stream we just closed */
      return violation (self, "OKAY(%u, %u) for no open stream", arg0, arg1);
    }
  if (!self->awaiting_okay)
    return violation (self, "OKAY(%u, %u) without a WRTE to acknowledge", arg0, arg1);
  self->awaiting_okay = FALSE;

  if (self->kind == STREAM_TEXT)
    {
      stream_close (self);
      return TRUE;
    }
  switch (self->sl_state)
    {
    case SL_WAIT_OKAY:
      self->sl_state = SL_WAIT_DATA;
      break;
    case SL_FINAL:
      stream_close (self);
      break;
    case SL_REQUEST:
    case SL_WAIT_DATA:
    case SL_PAUSED:
    default:
      return violation (self, "unexpected OKAY during sideload");
    }
  return TRUE;
}

static gboolean
handle_write (UbEmuRecoverySession *self,
              guint32               arg0,
              guint32               arg1)
{
  if (!stream_ids_match (self, arg0, arg1))
    return violation (self, "WRTE(%u, %u) for no open stream", arg0, arg1);
  if (!self->host_may_write)
    return violation (self, "WRTE before the device's OKAY for the previous one");
  if (self->payload_len == 0)
    return violation (self, "empty WRTE");
  self->host_may_write = FALSE;

  if (self->kind != STREAM_SIDELOAD || self->sl_state != SL_WAIT_DATA)
    {
      if (self->kind == STREAM_SIDELOAD && self->sl_state == SL_WAIT_OKAY)
        return violation (self, "block data before the OKAY for the block request");
      return violation (self, "WRTE the service does not expect");
    }
  if (self->payload_len > self->sl_want - self->sl_have)
    return violation (self, "%zu bytes for block %u, which has %zu left",
                      self->payload_len, self->sl_current, self->sl_want - self->sl_have);
  memcpy (self->sl_buf + self->sl_have, self->payload, self->payload_len);
  self->sl_have += self->payload_len;
  stream_okay (self);
  if (self->sl_have == self->sl_want)
    return sideload_block_done (self);
  return TRUE;
}

static gboolean
handle_close (UbEmuRecoverySession *self,
              guint32               arg0,
              guint32               arg1)
{
  if (stream_ids_match (self, arg0, arg1))
    {
      /* The host gave up the stream (cancelled sideload). */
      if (self->kind == STREAM_SIDELOAD && self->sl_state != SL_FINAL)
        recovery_set_error (self->recovery, "Installation aborted by the host");
      stream_forget (self);
      return TRUE;
    }
  if (arg1 == 0 || arg1 == self->last_closed_local_id)
    return TRUE;  /* its answer to our CLSE, or for a refused OPEN */
  return violation (self, "CLSE(%u, %u) for no open stream", arg0, arg1);
}

static void
send_auth_token (UbEmuRecoverySession *self)
{
  guint8 token[AUTH_TOKEN_SIZE];

  for (guint i = 0; i < sizeof token; i++)
    token[i] = (guint8) g_random_int ();
  send_packet (self, A_AUTH, AUTH_TOKEN, 0, token, sizeof token);
}

static gboolean
handle_cnxn (UbEmuRecoverySession *self,
             guint32               version,
             guint32               maxdata)
{
  UbEmuRecoveryFault fault;
  g_autofree char *banner = NULL;

  if (version < 0x01000000u || maxdata == 0)
    return violation (self, "CNXN(0x%08x, %u)", version, maxdata);
  if (self->payload_len < 6 || memcmp (self->payload, "host::", 6) != 0)
    return violation (self, "CNXN without the \"host::\" banner");

  g_mutex_lock (&self->recovery->lock);
  fault = self->recovery->fault;
  g_mutex_unlock (&self->recovery->lock);

  /* A new CNXN resets the link. */
  self->kind = STREAM_NONE;
  sideload_reset (self);
  self->host_version = version;

  if (fault == UB_EMU_RECOVERY_FAULT_AUTH)
    {
      self->auth_mode = TRUE;
      send_auth_token (self);
      return TRUE;
    }
  self->connected = TRUE;
  if (fault == UB_EMU_RECOVERY_FAULT_NOT_SIDELOAD)
    {
      const char *device = ub_emu_recovery_get_info (self->recovery, "device");

      self->sideload_ok = FALSE;
      banner = g_strdup_printf ("device::ro.product.name=%s;ro.product.device=%s;",
                                device ? device : "", device ? device : "");
    }
  else
    {
      self->sideload_ok = TRUE;
      banner = g_strdup ("sideload::");
    }
  send_packet (self, A_CNXN, ADB_VERSION, ADB_MAXDATA, banner, strlen (banner));
  return TRUE;
}

static gboolean
handle_packet (UbEmuRecoverySession *self)
{
  guint32 f[6];
  guint32 command, arg0, arg1;

  memcpy (f, self->hdr, sizeof f);
  command = GUINT32_FROM_LE (f[0]);
  arg0 = GUINT32_FROM_LE (f[1]);
  arg1 = GUINT32_FROM_LE (f[2]);

  if (self->host_version != 0 && self->host_version < ADB_VERSION)
    {
      guint32 sum = 0;

      for (gsize i = 0; i < self->payload_len; i++)
        sum += self->payload[i];
      if (sum != GUINT32_FROM_LE (f[4]))
        return violation (self, "bad data_check");
    }

  if (command == A_CNXN)
    return handle_cnxn (self, arg0, arg1);
  if (self->auth_mode)
    {
      /* A started phone waits for a key we never send. */
      if (command == A_AUTH)
        {
          send_auth_token (self);
          return TRUE;
        }
      return violation (self, "0x%08x before authentication", command);
    }
  if (!self->connected)
    return violation (self, "0x%08x before CNXN", command);

  switch (command)
    {
    case A_OPEN:
      return handle_open (self, arg0, arg1);
    case A_OKAY:
      return handle_okay (self, arg0, arg1);
    case A_WRTE:
      return handle_write (self, arg0, arg1);
    case A_CLSE:
      return handle_close (self, arg0, arg1);
    case A_AUTH:
      return violation (self, "AUTH after CNXN");
    default:
      return violation (self, "unknown command 0x%08x", command);
    }
}

gboolean
ub_emu_recovery_session_feed (UbEmuRecoverySession *self,
                              const guint8         *buf,
                              gsize                 len)
{
  gboolean ok = TRUE;

  g_return_val_if_fail (UB_IS_EMU_RECOVERY_SESSION (self), FALSE);

  g_rec_mutex_lock (&self->lock);
  while (ok && !self->closed && len > 0)
    {
      if (self->hdr_have < ADB_HEADER_SIZE)
        {
          gsize n = MIN (len, ADB_HEADER_SIZE - self->hdr_have);
          guint32 f[6];

          memcpy (self->hdr + self->hdr_have, buf, n);
          self->hdr_have += n;
          buf += n;
          len -= n;
          if (self->hdr_have < ADB_HEADER_SIZE)
            break;

          memcpy (f, self->hdr, sizeof f);
          if ((GUINT32_FROM_LE (f[0]) ^ 0xffffffffu) != GUINT32_FROM_LE (f[5]))
            {
              ok = violation (self, "bad magic in a header (command 0x%08x)", GUINT32_FROM_LE (f[0]));
              break;
            }
          self->payload_len = GUINT32_FROM_LE (f[3]);
          if (self->payload_len > ADB_MAXDATA)
            {
              ok = violation (self, "payload of %zu bytes (max %d)", self->payload_len, ADB_MAXDATA);
              break;
            }
          self->payload_have = 0;
          if (self->payload_len > self->payload_size)
            {
              g_free (self->payload);
              self->payload = g_malloc (self->payload_len);
              self->payload_size = self->payload_len;
            }
        }
      if (self->payload_have < self->payload_len)
        {
          gsize n = MIN (len, self->payload_len - self->payload_have);

          memcpy (self->payload + self->payload_have, buf, n);
          self->payload_have += n;
          buf += n;
          len -= n;
        }
      if (self->payload_have == self->payload_len)
        {
          ok = handle_packet (self);
          self->hdr_have = 0;
          self->payload_have = self->payload_len = 0;
        }
    }
  ok = ok && !self->closed;
  g_rec_mutex_unlock (&self->lock);
  return ok;
}
