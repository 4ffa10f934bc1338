/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The adb host side against a device played from fuzzed bytes: the input is
 * the byte stream the phone sends (adb packets, as over TCP), read in pieces
 * of whatever size the host asks for. A fixed series runs on it: CNXN, the
 * Mi Assistant check, the 8 info services, format-data, a sideload of a
 * small file (3 blocks) and a reboot; without a "sideload::" banner one
 * plain service. Every failure must carry a message in the adb, fastboot
 * (transport) or GIO (cancel) domain.
 */
#include "config.h"

#include <string.h>

#include "ub-adb-error.h"
#include "ub-fastboot-error.h"
#include "ub-fuzz.h"
#include "ub-mi-assistant.h"

#define FILE_SIZE (2 * UB_SIDELOAD_BLOCK_SIZE + 100)
#define MAX_WRITTEN (64 * 1024 * 1024)

static guint8 *file_data;

/* ------------------------------------------------------------------ transport */

#define FUZZ_TYPE_ADB_TRANSPORT (fuzz_adb_transport_get_type ())
G_DECLARE_FINAL_TYPE (FuzzAdbTransport, fuzz_adb_transport, FUZZ, ADB_TRANSPORT, GObject)

struct _FuzzAdbTransport
{
  GObject parent_instance;
  const guint8 *data;
  gsize len;
  gsize pos;
  guint64 written;
  gboolean closed;
};

static void fuzz_adb_transport_iface_init (UbTransportInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (FuzzAdbTransport, fuzz_adb_transport, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (UB_TYPE_TRANSPORT,
                                                      fuzz_adb_transport_iface_init))

static gboolean
fuzz_write (UbTransport *transport, const guint8 *buf, gsize len, guint stall_timeout_ms,
            GCancellable *cancellable, GError **error)
{
  FuzzAdbTransport *self = FUZZ_ADB_TRANSPORT (transport);

  if (self->closed)
    {
      g_set_error_literal (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_NO_DEVICE, "closed");
      return FALSE;
    }
  g_assert_cmpuint (len, >, 0);
  {
    volatile guint8 sink = buf[0] ^ buf[len - 1];
    (void) sink;
  }
  self->written += len;
  g_assert_cmpuint (self->written, <, MAX_WRITTEN);
  return TRUE;
}

static gssize
fuzz_read (UbTransport *transport, guint8 *buf, gsize len, guint timeout_ms,
           GCancellable *cancellable, GError **error)
{
  FuzzAdbTransport *self = FUZZ_ADB_TRANSPORT (transport);
  gsize n;

  if (self->closed)
    {
      g_set_error_literal (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_NO_DEVICE, "closed");
      return -1;
    }
  if (self->pos >= self->len)
    {
      g_set_error_literal (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_TIMEOUT, "no answer");
      return -1;
    }
  n = MIN (len, self->len - self->pos);
  memcpy (buf, self->data + self->pos, n);
  self->pos += n;
  return n;
}

static void
fuzz_close (UbTransport *transport)
{
  FUZZ_ADB_TRANSPORT (transport)->closed = TRUE;
}

static const char *
fuzz_describe (UbTransport *transport)
{
  return "fuzz:adb";
}

static void
fuzz_adb_transport_iface_init (UbTransportInterface *iface)
{
  iface->write = fuzz_write;
  iface->read = fuzz_read;
  iface->close = fuzz_close;
  iface->describe = fuzz_describe;
}

static void
fuzz_adb_transport_class_init (FuzzAdbTransportClass *klass)
{
}

static void
fuzz_adb_transport_init (FuzzAdbTransport *self)
{
}

/* ------------------------------------------------------------------ target */

static void
check_error (const GError *error)
{
  g_assert_nonnull (error);
  g_assert_true (error->domain == UB_ADB_ERROR || error->domain == UB_FASTBOOT_ERROR ||
                 error->domain == G_IO_ERROR);
  g_assert_nonnull (error->message);
  g_assert_cmpuint (strlen (error->message), >, 0);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  ub_fuzz_quiet_logs ();
  file_data = g_malloc (FILE_SIZE);
  for (gsize i = 0; i < FILE_SIZE; i++)
    file_data[i] = (guint8) (i * 31 + 7);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(FuzzAdbTransport) t = g_object_new (FUZZ_TYPE_ADB_TRANSPORT, NULL);
  g_autoptr(UbAdbConnection) c = NULL;
  g_autoptr(UbMiAssistant) mi = NULL;
  g_autoptr(GError) error = NULL;

  if (file_data == NULL)
    LLVMFuzzerInitialize (NULL, NULL);
  t->data = data;
  t->len = size;
  c = ub_adb_connection_new (UB_TRANSPORT (t));
  if (!ub_adb_connection_connect (c, 1000, NULL, &error))
    {
      check_error (error);
      return 0;
    }
  g_assert_true (g_utf8_validate (ub_adb_connection_get_banner (c), -1, NULL));
  g_assert_cmpuint (ub_adb_connection_get_max_payload (c), >=, UB_ADB_MIN_PAYLOAD);
  g_assert_cmpuint (ub_adb_connection_get_max_payload (c), <=, UB_ADB_MAX_PAYLOAD);

  mi = ub_mi_assistant_new (c, &error);
  if (mi == NULL)
    {
      g_autoptr(GBytes) answer = NULL;

      check_error (error);
      g_clear_error (&error);
      answer = ub_adb_connection_run_service (c, "getdevice:", 4096, 1000, NULL, &error);
      if (answer == NULL)
        check_error (error);
      else
        g_assert_cmpuint (g_bytes_get_size (answer), <=, 4096);
      return 0;
    }

  {
    g_autoptr(UbRecoveryInfo) info = ub_mi_assistant_read_info (mi, NULL, &error);

    if (info == NULL)
      {
        check_error (error);
        g_clear_error (&error);
      }
    else
      {
        g_auto(GStrv) keys = ub_recovery_info_dup_keys (info);

        for (guint i = 0; keys[i] != NULL; i++)
          {
            const char *value = ub_recovery_info_get (info, keys[i]);

            g_assert_true (g_utf8_validate (value, -1, NULL));
            g_assert_cmpuint (strlen (value), <=, 4096);
            g_assert_false (g_str_has_suffix (value, "\n"));
          }
      }
  }
  {
    g_autofree char *message = NULL;

    if (!ub_mi_assistant_format_data (mi, &message, NULL, &error))
      {
        check_error (error);
        g_clear_error (&error);
      }
    else
      {
        g_assert_true (g_utf8_validate (message, -1, NULL));
      }
  }
  {
    g_autoptr(GInputStream) stream = g_memory_input_stream_new_from_data (file_data, FILE_SIZE,
                                                                          NULL);
    g_autofree char *message = NULL;

    ub_mi_assistant_set_sideload_timeout (mi, 1000);
    if (!ub_mi_assistant_sideload (mi, stream, FILE_SIZE, "token", NULL, NULL, &message,
                                   NULL, &error))
      {
        check_error (error);
        g_clear_error (&error);
      }
    else
      {
        g_assert_nonnull (message);
        g_assert_true (g_utf8_validate (message, -1, NULL));
      }
  }
  if (!ub_mi_assistant_reboot (mi, UB_RECOVERY_REBOOT_BOOTLOADER, NULL, &error))
    check_error (error);
  return 0;
}
