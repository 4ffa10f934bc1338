/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <string.h>

#include "ub-adb-error.h"
#include "ub-adb-tcp-transport.h"
#include "ub-fastboot-error.h"
#include "ub-mi-assistant.h"
#include "ub-usb-transport.h"

#define CONNECT_TIMEOUT_MS          10000
#define INFO_TIMEOUT_MS             10000
#define FORMAT_TIMEOUT_MS           (5 * 60 * 1000)
#define REBOOT_TIMEOUT_MS           5000
#define DEFAULT_SIDELOAD_TIMEOUT_MS (5 * 60 * 1000)
/* An info answer is one short line; more is not the phone we think. */
#define MAX_INFO_BYTES              4096
#define MAX_MESSAGE_BYTES           4096
#define SIDELOAD_REQUEST_LEN        8

struct _UbMiAssistant
{
  GObject parent_instance;
  UbAdbConnection *connection;
  char *address;
  guint sideload_timeout_ms;
};

G_DEFINE_FINAL_TYPE (UbMiAssistant, ub_mi_assistant, G_TYPE_OBJECT)

static void
ub_mi_assistant_finalize (GObject *object)
{
  UbMiAssistant *self = UB_MI_ASSISTANT (object);

  g_clear_object (&self->connection);
  g_free (self->address);
  G_OBJECT_CLASS (ub_mi_assistant_parent_class)->finalize (object);
}

static void
ub_mi_assistant_class_init (UbMiAssistantClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ub_mi_assistant_finalize;
}

static void
ub_mi_assistant_init (UbMiAssistant *self)
{
  self->sideload_timeout_ms = DEFAULT_SIDELOAD_TIMEOUT_MS;
}

UbMiAssistant *
ub_mi_assistant_new (UbAdbConnection *connection,
                     GError         **error)
{
  UbMiAssistant *self;
  const char *banner;

  g_return_val_if_fail (UB_IS_ADB_CONNECTION (connection), NULL);

  banner = ub_adb_connection_get_banner (connection);
  if (ub_adb_connection_get_banner_kind (connection) != UB_ADB_BANNER_SIDELOAD)
    {
      g_set_error (error, UB_ADB_ERROR, UB_ADB_ERROR_NOT_MI_ASSISTANT,
                   /* TRANSLATORS: %s: what the phone calls its mode, e.g. “device::…” */
                   _("The phone is not in Mi Assistant mode (it says “%s”). Power it off, "
                     "hold Volume Up and Power until the recovery menu shows, then choose "
                     "“Connect with MIAssistant” (on some phones under “Mi Assistant”) and "
                     "connect the cable."),
                   banner != NULL ? banner : "");
      return NULL;
    }
  self = g_object_new (UB_TYPE_MI_ASSISTANT, NULL);
  self->connection = g_object_ref (connection);
  self->address = g_strdup (ub_transport_describe (ub_adb_connection_get_transport (connection)));
  return self;
}

UbMiAssistant *
ub_mi_assistant_open (const char   *address,
                      GCancellable *cancellable,
                      GError      **error)
{
  g_autoptr(UbTransport) transport = NULL;
  g_autoptr(UbAdbConnection) connection = NULL;

  if (address != NULL && g_str_has_prefix (address, "tcp:"))
    transport = ub_adb_tcp_transport_connect (address, CONNECT_TIMEOUT_MS, cancellable, error);
  else
    transport = ub_usb_transport_open_adb (address, error);
  if (transport == NULL)
    return NULL;
  connection = ub_adb_connection_new (transport);
  if (!ub_adb_connection_connect (connection, CONNECT_TIMEOUT_MS, cancellable, error))
    return NULL;
  return ub_mi_assistant_new (connection, error);
}

const char *
ub_mi_assistant_get_address (UbMiAssistant *self)
{
  g_return_val_if_fail (UB_IS_MI_ASSISTANT (self), NULL);
  return self->address;
}

void
ub_mi_assistant_set_sideload_timeout (UbMiAssistant *self,
                                      guint          timeout_ms)
{
  g_return_if_fail (UB_IS_MI_ASSISTANT (self));
  self->sideload_timeout_ms = timeout_ms;
}

/* The phone's text: valid UTF-8, without the final newline. */
static char *
answer_text (GBytes *data)
{
  gsize len;
  const char *text = g_bytes_get_data (data, &len);
  char *s;

  if (text == NULL)
    return g_strdup ("");
  len = strnlen (text, len);
  while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
    len--;
  s = g_utf8_make_valid (text, len);
  return s;
}

UbRecoveryInfo *
ub_mi_assistant_read_info (UbMiAssistant *self,
                           GCancellable  *cancellable,
                           GError       **error)
{
  static const char * const keys[] = {
    "device", "version", "sn", "codebase", "branch", "language", "region", "romzone",
  };
  g_autoptr(UbRecoveryInfo) info = ub_recovery_info_new ();

  g_return_val_if_fail (UB_IS_MI_ASSISTANT (self), NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      g_autofree char *service = g_strdup_printf ("get%s:", keys[i]);
      g_autoptr(GError) local = NULL;
      g_autoptr(GBytes) data = NULL;
      g_autofree char *text = NULL;

      data = ub_adb_connection_run_service (self->connection, service, MAX_INFO_BYTES,
                                            INFO_TIMEOUT_MS, cancellable, &local);
      if (data == NULL)
        {
          /* an older recovery without this service: keep going */
          if (g_error_matches (local, UB_ADB_ERROR, UB_ADB_ERROR_REFUSED))
            continue;
          g_propagate_error (error, g_steal_pointer (&local));
          return NULL;
        }
      text = answer_text (data);
      ub_recovery_info_set (info, keys[i], text);
    }
  if (ub_recovery_info_get_device (info) == NULL &&
      ub_recovery_info_get_version (info) == NULL &&
      ub_recovery_info_get_serial (info) == NULL)
    {
      g_set_error_literal (error, UB_ADB_ERROR, UB_ADB_ERROR_PROTOCOL,
                           _("The phone in Mi Assistant mode did not say its model, version "
                             "or serial number"));
      return NULL;
    }
  return g_steal_pointer (&info);
}

static void
probe_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  const char *address = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(UbMiAssistant) phone = ub_mi_assistant_open (address, cancellable, &error);
  UbRecoveryInfo *info;

  if (phone == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  info = ub_mi_assistant_read_info (phone, cancellable, &error);
  ub_mi_assistant_close (phone);
  if (info == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, info, g_object_unref);
}

void
ub_mi_assistant_probe_async (const char          *address,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, ub_mi_assistant_probe_async);
  g_task_set_task_data (task, g_strdup (address), g_free);
  g_task_run_in_thread (task, probe_thread);
}

UbRecoveryInfo *
ub_mi_assistant_probe_finish (GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ub_mi_assistant_probe_async,
                        NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Errors that only mean the phone went away (or stopped answering). */
static gboolean
is_link_loss (const GError *e)
{
  return e->domain == UB_FASTBOOT_ERROR ||
         g_error_matches (e, UB_ADB_ERROR, UB_ADB_ERROR_CLOSED) ||
         g_error_matches (e, UB_ADB_ERROR, UB_ADB_ERROR_TIMEOUT);
}

gboolean
ub_mi_assistant_format_data (UbMiAssistant *self,
                             char         **out_message,
                             GCancellable  *cancellable,
                             GError       **error)
{
  g_autoptr(GBytes) data = NULL;
  GError *local = NULL;

  g_return_val_if_fail (UB_IS_MI_ASSISTANT (self), FALSE);

  data = ub_adb_connection_run_service (self->connection, "format-data:", MAX_MESSAGE_BYTES,
                                        FORMAT_TIMEOUT_MS, cancellable, &local);
  if (data == NULL)
    {
      if (is_link_loss (local))
        g_propagate_prefixed_error (error, g_steal_pointer (&local), "%s",
                                    /* TRANSLATORS: put before the reason */
                                    _("The factory reset was interrupted: "));
      else
        g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (out_message != NULL)
    *out_message = answer_text (data);
  return TRUE;
}

gboolean
ub_mi_assistant_reboot (UbMiAssistant          *self,
                        UbRecoveryRebootTarget  target,
                        GCancellable           *cancellable,
                        GError                **error)
{
  /* target names as AOSP minadbd's reboot: service */
  const char *service = target == UB_RECOVERY_REBOOT_BOOTLOADER ? "reboot:bootloader" :
                        target == UB_RECOVERY_REBOOT_RECOVERY ? "reboot:recovery" : "reboot:";
  g_autoptr(GError) local = NULL;
  guint32 id;

  g_return_val_if_fail (UB_IS_MI_ASSISTANT (self), FALSE);

  id = ub_adb_connection_open (self->connection, service, REBOOT_TIMEOUT_MS, cancellable,
                               &local);
  if (id == 0)
    {
      if (is_link_loss (local))
        {
          g_debug ("%s: the link went away (%s): rebooting", service, local->message);
          ub_adb_connection_close (self->connection);
          return TRUE;
        }
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  /* the phone may answer, close the stream or just vanish */
  for (;;)
    {
      g_autoptr(GBytes) data = ub_adb_connection_read (self->connection, id, REBOOT_TIMEOUT_MS,
                                                       cancellable, &local);
      if (data == NULL)
        break;
    }
  if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      g_error_matches (local, UB_ADB_ERROR, UB_ADB_ERROR_PROTOCOL))
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  ub_adb_connection_close (self->connection);
  return TRUE;
}

/* Decision: a final text other than DONEDONE/FAILFAIL is a failure when it
 * says so (fail/error/invalid/denied/abort, any case), else a success. */
static gboolean
text_says_failure (const char *text)
{
  static const char * const words[] = { "fail", "error", "invalid", "denied", "abort" };
  g_autofree char *lower = g_ascii_strdown (text, -1);

  for (gsize i = 0; i < G_N_ELEMENTS (words); i++)
    if (strstr (lower, words[i]) != NULL)
      return TRUE;
  return FALSE;
}

static gboolean
is_block_request (const guint8 *data,
                  gsize         len)
{
  if (len != SIDELOAD_REQUEST_LEN)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isdigit (data[i]))
      return FALSE;
  return TRUE;
}

/* A lost link or a closed stream during the install, said so. */
static void
set_interrupted_error (GError **error,
                       GError  *local)
{
  if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_propagate_error (error, local);
      return;
    }
  g_propagate_prefixed_error (error, local, "%s",
                              /* TRANSLATORS: put before the reason */
                              _("The install was interrupted: "));
}

/* The recovery's final message: DONEDONE, FAILFAIL or (Xiaomi) a text. TRUE
 * for success; else @error says the install failed, in the phone's words. */
static gboolean
final_message (GBytes  *data,
               char   **out_message,
               GError **error)
{
  g_autofree char *text = answer_text (data);
  gboolean ok = TRUE;

  /* success: DONEDONE, or a text that does not read as a failure */
  if (g_str_equal (text, "FAILFAIL"))
    {
      ok = FALSE;
      g_set_error_literal (error, UB_ADB_ERROR, UB_ADB_ERROR_INSTALL_FAILED,
                           _("The phone reported that the install failed"));
    }
  else if (text_says_failure (text))
    {
      ok = FALSE;
      g_set_error (error, UB_ADB_ERROR, UB_ADB_ERROR_INSTALL_FAILED,
                   /* TRANSLATORS: %s: the phone's own message */
                   _("The phone reported that the install failed: %s"), text);
    }
  if (out_message != NULL)
    *out_message = g_steal_pointer (&text);
  return ok;
}

/* Sends block @block of @stream (@size bytes in all) through @buf. */
static gboolean
serve_block (UbMiAssistant *self,
             guint32        id,
             GInputStream  *stream,
             guint64        size,
             guint64        block,
             guint8        *buf,
             gsize         *out_sent,
             GCancellable  *cancellable,
             GError       **error)
{
  guint64 n_blocks = (size + UB_SIDELOAD_BLOCK_SIZE - 1) / UB_SIDELOAD_BLOCK_SIZE;
  guint64 offset = block * UB_SIDELOAD_BLOCK_SIZE;
  gsize want, got = 0;
  GError *local = NULL;

  if (block >= n_blocks)
    {
      g_autofree char *block_s = g_strdup_printf ("%" G_GUINT64_FORMAT, block);
      g_autofree char *n_blocks_s = g_strdup_printf ("%" G_GUINT64_FORMAT, n_blocks);

      g_set_error (error, UB_ADB_ERROR, UB_ADB_ERROR_PROTOCOL,
                   /* TRANSLATORS: both are numbers */
                   _("The phone asked for block %s of a file of %s blocks"),
                   block_s, n_blocks_s);
      return FALSE;
    }
  want = (gsize) MIN ((guint64) UB_SIDELOAD_BLOCK_SIZE, size - offset);
  if (!g_seekable_seek (G_SEEKABLE (stream), (goffset) offset, G_SEEK_SET, cancellable, error) ||
      !g_input_stream_read_all (stream, buf, want, &got, cancellable, error))
    return FALSE;
  if (got != want)
    {
      g_autofree char *at_s = g_strdup_printf ("%" G_GUINT64_FORMAT, offset + got);
      g_autofree char *size_s = g_strdup_printf ("%" G_GUINT64_FORMAT, size);

      g_set_error (error, UB_ADB_ERROR, UB_ADB_ERROR_FAILED,
                   /* TRANSLATORS: both are numbers of bytes */
                   _("The ROM file ended early (at %s bytes of %s)"), at_s, size_s);
      return FALSE;
    }
  if (!ub_adb_connection_write (self->connection, id, buf, want, self->sideload_timeout_ms,
                                cancellable, &local))
    {
      set_interrupted_error (error, local);
      return FALSE;
    }
  *out_sent = want;
  return TRUE;
}

gboolean
ub_mi_assistant_sideload (UbMiAssistant          *self,
                          GInputStream           *stream,
                          guint64                 size,
                          const char             *token,
                          UbSideloadProgressFunc  progress,
                          gpointer                progress_data,
                          char                  **out_message,
                          GCancellable           *cancellable,
                          GError                **error)
{
  g_autofree char *service = NULL;
  g_autofree guint8 *buf = NULL;
  UbSideloadPhase phase = UB_SIDELOAD_PHASE_CHECKING;
  guint64 served = 0;
  gint64 last_block = -1;
  gboolean ok = FALSE;
  guint32 id;

  g_return_val_if_fail (UB_IS_MI_ASSISTANT (self), FALSE);
  g_return_val_if_fail (G_IS_SEEKABLE (stream), FALSE);
  g_return_val_if_fail (token != NULL, FALSE);

  if (size == 0)
    {
      g_set_error_literal (error, UB_ADB_ERROR, UB_ADB_ERROR_FAILED,
                           _("The ROM file is empty"));
      return FALSE;
    }
  service = g_strdup_printf ("sideload-host:%" G_GUINT64_FORMAT ":%u:%s:0", size,
                             (guint) UB_SIDELOAD_BLOCK_SIZE, token);
  id = ub_adb_connection_open (self->connection, service, self->sideload_timeout_ms,
                               cancellable, error);
  if (id == 0)
    return FALSE;
  buf = g_malloc (UB_SIDELOAD_BLOCK_SIZE);

  for (;;)
    {
      GError *local = NULL;
      g_autoptr(GBytes) data = NULL;
      const guint8 *bytes;
      gsize len, sent = 0;
      guint64 block;
      char digits[SIDELOAD_REQUEST_LEN + 1];

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        break;
      data = ub_adb_connection_read (self->connection, id, self->sideload_timeout_ms,
                                     cancellable, &local);
      if (data == NULL)
        {
          if (g_error_matches (local, UB_ADB_ERROR, UB_ADB_ERROR_CLOSED))
            {
              g_clear_error (&local);
              g_set_error_literal (&local, UB_ADB_ERROR, UB_ADB_ERROR_CLOSED,
                                   _("the phone closed the connection without saying "
                                     "whether it succeeded"));
            }
          set_interrupted_error (error, local);
          break;
        }
      bytes = g_bytes_get_data (data, &len);

      /* 8 bytes are a block number, DONEDONE or FAILFAIL; a final text
       * (Xiaomi) is longer. Anything else is not the sideload protocol. */
      if (!is_block_request (bytes, len))
        {
          if (len > SIDELOAD_REQUEST_LEN ||
              (len == SIDELOAD_REQUEST_LEN && (memcmp (bytes, "DONEDONE", len) == 0 ||
                                              memcmp (bytes, "FAILFAIL", len) == 0)))
            {
              g_debug ("sideload ended after %" G_GUINT64_FORMAT " bytes", served);
              ok = final_message (data, out_message, error);
            }
          else
            {
              g_autofree char *text = answer_text (data);
              g_autofree char *shown = g_strescape (text, NULL);

              g_set_error (error, UB_ADB_ERROR, UB_ADB_ERROR_PROTOCOL,
                           _("The phone sent “%s” where a block number was expected"), shown);
            }
          break;
        }

      memcpy (digits, bytes, SIDELOAD_REQUEST_LEN);
      digits[SIDELOAD_REQUEST_LEN] = '\0';
      block = g_ascii_strtoull (digits, NULL, 10);
      /* The recovery reads the package to check it, then again to install
       * it: requests starting over near the beginning after most of the
       * file was served mean the second pass. */
      if (phase == UB_SIDELOAD_PHASE_CHECKING && last_block >= 0 &&
          (gint64) block < last_block && block * UB_SIDELOAD_BLOCK_SIZE < size / 8 &&
          served >= size / 2)
        phase = UB_SIDELOAD_PHASE_INSTALLING;
      last_block = (gint64) block;
      if (!serve_block (self, id, stream, size, block, buf, &sent, cancellable, error))
        break;
      served += sent;
      if (progress != NULL)
        progress (phase, served, size, progress_data);
    }
  ub_adb_connection_close_stream (self->connection, id);
  return ok;
}

void
ub_mi_assistant_close (UbMiAssistant *self)
{
  g_return_if_fail (UB_IS_MI_ASSISTANT (self));
  ub_adb_connection_close (self->connection);
}
