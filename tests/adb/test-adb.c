/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The adb codec, UbAdbConnection and UbMiAssistant against a scripted
 * in-memory recovery (FakeDevice, a UbTransport), and once over a real
 * loopback socket with UbAdbTcpTransport.
 */
#include "config.h"

#include <string.h>

#include "ub-adb-error.h"
#include "ub-adb-message.h"
#include "ub-adb-tcp-transport.h"
#include "ub-fastboot-error.h"
#include "ub-mi-assistant.h"
#include "ub-test-utils.h"

/* ------------------------------------------------------------------ the fake device */

typedef enum {
  END_DONE,        /* "DONEDONE" */
  END_FAIL,        /* "FAILFAIL" */
  END_TEXT,        /* @final_text */
  END_DROP,        /* the link goes away */
  END_CLSE,        /* CLSE without a final message */
  END_SILENT,      /* no answer any more: a timeout */
} EndKind;

#define DEV_ID 0x77

typedef struct {
  /* configuration */
  const char *banner;
  guint32 version;
  guint32 max_payload;
  gboolean auth;
  GHashTable *answers;       /* service → answer text; missing → CLSE (refused) */
  const guint8 *file;        /* what a sideload must deliver */
  gsize file_size;
  const gint *requests;      /* block numbers, -1 terminated */
  EndKind end;
  const char *final_text;
  guint read_chunk;          /* > 0: read() returns at most this many bytes */

  /* state */
  GByteArray *in;            /* host bytes not parsed yet */
  GByteArray *out;           /* device bytes not read yet */
  gboolean dropped;
  guint32 host_stream;       /* local id of the host's current stream */
  guint n_request;           /* index in @requests */
  gint current_block;        /* -1: none */
  gsize block_got;
  gboolean awaiting_okay;    /* device sent WRTE, host OKAY pending */

  /* what the test checks */
  guint violations;
  guint mismatches;
  guint64 served;
  gboolean formatted;
  char *reboot_target;
  GPtrArray *opened;         /* services opened */
  char *sideload_service;
  guint host_closes;
} FakeDevice;

static void
dev_send (FakeDevice  *d,
          guint32      command,
          guint32      arg0,
          guint32      arg1,
          const void  *data,
          gsize        len)
{
  guint8 header[UB_ADB_HEADER_SIZE];

  ub_adb_header_encode (command, arg0, arg1, data, (guint32) len,
                        d->version < UB_ADB_VERSION, header);
  g_byte_array_append (d->out, header, sizeof header);
  if (len > 0)
    g_byte_array_append (d->out, data, len);
}

static void
dev_wrte (FakeDevice *d,
          const char *text,
          gsize       len)
{
  dev_send (d, UB_ADB_CMD_WRTE, DEV_ID, d->host_stream, text, len);
  d->awaiting_okay = TRUE;
}

static void
dev_next_request (FakeDevice *d)
{
  gint block = d->requests != NULL ? d->requests[d->n_request] : -1;

  if (block >= 0)
    {
      char req[9];

      d->n_request++;
      g_snprintf (req, sizeof req, "%08d", block);
      d->current_block = block;
      d->block_got = 0;
      dev_wrte (d, req, 8);
      return;
    }
  d->current_block = -1;
  switch (d->end)
    {
    case END_DONE:
      dev_wrte (d, "DONEDONE", 8);
      dev_send (d, UB_ADB_CMD_CLSE, DEV_ID, d->host_stream, NULL, 0);
      break;
    case END_FAIL:
      dev_wrte (d, "FAILFAIL", 8);
      dev_send (d, UB_ADB_CMD_CLSE, DEV_ID, d->host_stream, NULL, 0);
      break;
    case END_TEXT:
      dev_wrte (d, d->final_text, strlen (d->final_text));
      dev_send (d, UB_ADB_CMD_CLSE, DEV_ID, d->host_stream, NULL, 0);
      break;
    case END_DROP:
      d->dropped = TRUE;
      break;
    case END_CLSE:
      dev_send (d, UB_ADB_CMD_CLSE, DEV_ID, d->host_stream, NULL, 0);
      break;
    case END_SILENT:
    default:
      break;                 /* no answer: the host waits */
    }
}

static void
dev_handle (FakeDevice       *d,
            const UbAdbHeader *h,
            const guint8      *payload)
{
  if (h->command == UB_ADB_CMD_CNXN)
    {
      /* the host's CNXN carries a checksum: the device's version is not known yet */
      if (h->data_check != ub_adb_checksum (payload, h->data_length) || h->data_check == 0)
        d->violations++;
      if (h->arg0 != UB_ADB_VERSION || h->arg1 != UB_ADB_MAX_PAYLOAD)
        d->violations++;
      if (d->auth)
        {
          guint8 token[20] = { 1, 2, 3 };
          dev_send (d, UB_ADB_CMD_AUTH, 1, 0, token, sizeof token);
        }
      else
        {
          dev_send (d, UB_ADB_CMD_CNXN, d->version, d->max_payload, d->banner,
                    strlen (d->banner) + 1);
        }
      return;
    }
  /* after CNXN: checksum 0 for a new device, the sum for an old one */
  if (d->version >= UB_ADB_VERSION ? h->data_check != 0 :
      h->data_check != ub_adb_checksum (payload, h->data_length))
    d->violations++;
  if (h->data_length > d->max_payload)
    d->violations++;

  switch (h->command)
    {
    case UB_ADB_CMD_OPEN:
      {
        g_autofree char *service = g_strndup ((const char *) payload, h->data_length);
        const char *answer;

        if (h->data_length == 0 || payload[h->data_length - 1] != '\0')
          d->violations++;
        g_ptr_array_add (d->opened, g_strdup (service));
        d->host_stream = h->arg0;
        if (g_str_has_prefix (service, "sideload-host:"))
          {
            g_free (d->sideload_service);
            d->sideload_service = g_strdup (service);
            dev_send (d, UB_ADB_CMD_OKAY, DEV_ID, h->arg0, NULL, 0);
            dev_next_request (d);
            return;
          }
        if (g_str_has_prefix (service, "reboot:"))
          {
            g_free (d->reboot_target);
            d->reboot_target = g_strdup (service + strlen ("reboot:"));
            dev_send (d, UB_ADB_CMD_OKAY, DEV_ID, h->arg0, NULL, 0);
            d->dropped = TRUE;
            return;
          }
        if (g_str_equal (service, "format-data:"))
          d->formatted = TRUE;
        answer = d->answers != NULL ? g_hash_table_lookup (d->answers, service) : NULL;
        if (answer == NULL)
          {
            dev_send (d, UB_ADB_CMD_CLSE, 0, h->arg0, NULL, 0);
            return;
          }
        dev_send (d, UB_ADB_CMD_OKAY, DEV_ID, h->arg0, NULL, 0);
        dev_send (d, UB_ADB_CMD_WRTE, DEV_ID, h->arg0, answer, strlen (answer));
        dev_send (d, UB_ADB_CMD_CLSE, DEV_ID, h->arg0, NULL, 0);
        return;
      }
    case UB_ADB_CMD_OKAY:
      if (h->arg0 != d->host_stream || h->arg1 != DEV_ID)
        d->violations++;
      d->awaiting_okay = FALSE;
      return;
    case UB_ADB_CMD_WRTE:
      {
        gsize off, want;

        if (h->arg0 != d->host_stream || h->arg1 != DEV_ID)
          d->violations++;
        /* flow control: data only after the host acknowledged the request */
        if (d->awaiting_okay || d->current_block < 0)
          {
            d->violations++;
            return;
          }
        off = (gsize) d->current_block * UB_SIDELOAD_BLOCK_SIZE;
        want = MIN (UB_SIDELOAD_BLOCK_SIZE, d->file_size - off);
        if (d->block_got + h->data_length > want ||
            memcmp (d->file + off + d->block_got, payload, h->data_length) != 0)
          d->mismatches++;
        d->block_got += h->data_length;
        d->served += h->data_length;
        dev_send (d, UB_ADB_CMD_OKAY, DEV_ID, d->host_stream, NULL, 0);
        if (d->block_got >= want)
          dev_next_request (d);
        return;
      }
    case UB_ADB_CMD_CLSE:
      d->host_closes++;
      return;
    default:
      d->violations++;
      return;
    }
}

/* Parses every whole host packet in d->in. */
static void
dev_feed (FakeDevice   *d,
          const guint8 *buf,
          gsize         len)
{
  g_byte_array_append (d->in, buf, len);
  for (;;)
    {
      UbAdbHeader h;
      g_autoptr(GError) error = NULL;

      if (d->in->len < UB_ADB_HEADER_SIZE)
        return;
      if (!ub_adb_header_decode (d->in->data, UB_ADB_MAX_PAYLOAD, &h, &error))
        {
          d->violations++;
          g_byte_array_set_size (d->in, 0);
          return;
        }
      if (d->in->len < UB_ADB_HEADER_SIZE + h.data_length)
        return;
      dev_handle (d, &h, d->in->data + UB_ADB_HEADER_SIZE);
      g_byte_array_remove_range (d->in, 0, UB_ADB_HEADER_SIZE + h.data_length);
    }
}

static void
set_answer (FakeDevice *d,
            const char *service,
            const char *answer)
{
  g_hash_table_insert (d->answers, (gpointer) service, (gpointer) answer);
}

static FakeDevice *
fake_device_new (void)
{
  FakeDevice *d = g_new0 (FakeDevice, 1);

  d->banner = "sideload::";
  d->version = UB_ADB_VERSION;
  d->max_payload = UB_ADB_MAX_PAYLOAD;
  d->end = END_DONE;
  d->in = g_byte_array_new ();
  d->out = g_byte_array_new ();
  d->current_block = -1;
  d->opened = g_ptr_array_new_with_free_func (g_free);
  return d;
}

static void
fake_device_free (FakeDevice *d)
{
  g_byte_array_unref (d->in);
  g_byte_array_unref (d->out);
  g_free (d->reboot_target);
  g_free (d->sideload_service);
  g_ptr_array_unref (d->opened);
  g_clear_pointer (&d->answers, g_hash_table_unref);
  g_free (d);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FakeDevice, fake_device_free)

/* The UbTransport around it. */
#define FAKE_TYPE_TRANSPORT (fake_transport_get_type ())
G_DECLARE_FINAL_TYPE (FakeTransport, fake_transport, FAKE, TRANSPORT, GObject)

struct _FakeTransport
{
  GObject parent_instance;
  FakeDevice *device;   /* not owned */
  gboolean closed;
};

static void fake_transport_iface_init (UbTransportInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (FakeTransport, fake_transport, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (UB_TYPE_TRANSPORT,
                                                      fake_transport_iface_init))

static gboolean
fake_write (UbTransport   *transport,
            const guint8  *buf,
            gsize          len,
            guint          stall_timeout_ms,
            GCancellable  *cancellable,
            GError       **error)
{
  FakeTransport *self = FAKE_TRANSPORT (transport);

  if (self->closed || self->device->dropped)
    {
      g_set_error_literal (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_NO_DEVICE,
                           "The device was disconnected");
      return FALSE;
    }
  dev_feed (self->device, buf, len);
  return TRUE;
}

static gssize
fake_read (UbTransport   *transport,
           guint8        *buf,
           gsize          len,
           guint          timeout_ms,
           GCancellable  *cancellable,
           GError       **error)
{
  FakeTransport *self = FAKE_TRANSPORT (transport);
  FakeDevice *d = self->device;
  gsize n;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return -1;
  if (self->closed || (d->dropped && d->out->len == 0))
    {
      g_set_error_literal (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_NO_DEVICE,
                           "The device was disconnected");
      return -1;
    }
  if (d->out->len == 0)
    {
      g_set_error_literal (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_TIMEOUT,
                           "The phone did not answer within 1 second");
      return -1;
    }
  n = MIN (len, d->out->len);
  if (d->read_chunk > 0)
    n = MIN (n, d->read_chunk);
  memcpy (buf, d->out->data, n);
  g_byte_array_remove_range (d->out, 0, n);
  return n;
}

static void
fake_close (UbTransport *transport)
{
  FAKE_TRANSPORT (transport)->closed = TRUE;
}

static const char *
fake_describe (UbTransport *transport)
{
  return "fake:recovery";
}

static void
fake_transport_iface_init (UbTransportInterface *iface)
{
  iface->write = fake_write;
  iface->read = fake_read;
  iface->close = fake_close;
  iface->describe = fake_describe;
}

static void
fake_transport_class_init (FakeTransportClass *klass)
{
}

static void
fake_transport_init (FakeTransport *self)
{
}

static UbAdbConnection *
connection_for (FakeDevice *d)
{
  g_autoptr(FakeTransport) t = g_object_new (FAKE_TYPE_TRANSPORT, NULL);

  t->device = d;
  return ub_adb_connection_new (UB_TRANSPORT (t));
}

static UbMiAssistant *
assistant_for (FakeDevice *d)
{
  g_autoptr(UbAdbConnection) c = connection_for (d);
  g_autoptr(GError) error = NULL;
  UbMiAssistant *mi;

  g_assert_true (ub_adb_connection_connect (c, 1000, NULL, &error));
  g_assert_no_error (error);
  mi = ub_mi_assistant_new (c, &error);
  g_assert_no_error (error);
  g_assert_nonnull (mi);
  return mi;
}

/* ------------------------------------------------------------------ codec */

static void
test_codec_round_trip (void)
{
  static const guint32 commands[] = {
    UB_ADB_CMD_SYNC, UB_ADB_CMD_CNXN, UB_ADB_CMD_AUTH, UB_ADB_CMD_OPEN,
    UB_ADB_CMD_OKAY, UB_ADB_CMD_CLSE, UB_ADB_CMD_WRTE, UB_ADB_CMD_STLS,
  };
  static const char * const names[] = {
    "SYNC", "CNXN", "AUTH", "OPEN", "OKAY", "CLSE", "WRTE", "STLS",
  };
  const guint8 payload[] = "host::";

  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      guint8 buf[UB_ADB_HEADER_SIZE];
      UbAdbHeader h;
      g_autoptr(GError) error = NULL;

      ub_adb_header_encode (commands[i], 0x12345678, 0x9abcdef0, payload, sizeof payload,
                            TRUE, buf);
      /* little endian on the wire */
      g_assert_cmpint (buf[0], ==, commands[i] & 0xff);
      g_assert_cmpint (buf[4], ==, 0x78);
      g_assert_true (ub_adb_header_decode (buf, UB_ADB_MAX_PAYLOAD, &h, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (h.command, ==, commands[i]);
      g_assert_cmpuint (h.arg0, ==, 0x12345678);
      g_assert_cmpuint (h.arg1, ==, 0x9abcdef0);
      g_assert_cmpuint (h.data_length, ==, sizeof payload);
      g_assert_cmpuint (h.data_check, ==, ub_adb_checksum (payload, sizeof payload));
      g_assert_cmpuint (h.magic, ==, commands[i] ^ 0xffffffffu);
      g_assert_true (ub_adb_header_check_data (&h, payload, &error));
      g_assert_cmpstr (ub_adb_command_to_string (commands[i]), ==, names[i]);

      ub_adb_header_encode (commands[i], 1, 2, payload, sizeof payload, FALSE, buf);
      g_assert_true (ub_adb_header_decode (buf, UB_ADB_MAX_PAYLOAD, &h, NULL));
      g_assert_cmpuint (h.data_check, ==, 0);
    }
  g_assert_cmpstr (ub_adb_command_to_string (0x11223344), ==, "0x11223344");
  g_assert_cmpuint (ub_adb_checksum ((const guint8 *) "\xff\x01", 2), ==, 256);
}

static void
test_codec_malformed (void)
{
  guint8 buf[UB_ADB_HEADER_SIZE];
  UbAdbHeader h;
  const guint8 payload[] = "abc";
  GError *error = NULL;

  /* bad magic */
  ub_adb_header_encode (UB_ADB_CMD_OKAY, 1, 2, NULL, 0, FALSE, buf);
  buf[20] ^= 1;
  g_assert_false (ub_adb_header_decode (buf, UB_ADB_MAX_PAYLOAD, &h, &error));
  g_assert_error (error, UB_ADB_ERROR, UB_ADB_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (error->message, "magic"));
  g_clear_error (&error);

  /* unknown command (with a matching magic) */
  ub_adb_header_encode (0x41414141, 1, 2, NULL, 0, FALSE, buf);
  g_assert_false (ub_adb_header_decode (buf, UB_ADB_MAX_PAYLOAD, &h, &error));
  g_assert_error (error, UB_ADB_ERROR, UB_ADB_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (error->message, "unknown"));
  g_clear_error (&error);

  /* oversize */
  ub_adb_header_encode (UB_ADB_CMD_WRTE, 1, 2, NULL, 4097, FALSE, buf);
  g_assert_false (ub_adb_header_decode (buf, 4096, &h, &error));
  g_assert_error (error, UB_ADB_ERROR, UB_ADB_ERROR_PROTOCOL);
  g_clear_error (&error);
  g_assert_true (ub_adb_header_decode (buf, 4097, &h, NULL));

  /* checksum (old versions) */
  ub_adb_header_encode (UB_ADB_CMD_WRTE, 1, 2, payload, 3, TRUE, buf);
  g_assert_true (ub_adb_header_decode (buf, UB_ADB_MAX_PAYLOAD, &h, NULL));
  g_assert_false (ub_adb_header_check_data (&h, (const guint8 *) "abd", &error));
  g_assert_error (error, UB_ADB_ERROR, UB_ADB_ERROR_PROTOCOL);
  g_clear_error (&error);
}

static void
test_banner_kinds (void)
{
  g_assert_cmpint (ub_adb_banner_kind ("sideload::"), ==, UB_ADB_BANNER_SIDELOAD);
  g_assert_cmpint (ub_adb_banner_kind ("sideload::ro.product.name=x;"), ==,
                   UB_ADB_BANNER_SIDELOAD);
  g_assert_cmpint (ub_adb_banner_kind ("device::ro.product.name=sweet;"), ==,
                   UB_ADB_BANNER_DEVICE);
  g_assert_cmpint (ub_adb_banner_kind ("recovery::"), ==, UB_ADB_BANNER_RECOVERY);
  g_assert_cmpint (ub_adb_banner_kind ("rescue::"), ==, UB_ADB_BANNER_RESCUE);
  g_assert_cmpint (ub_adb_banner_kind ("bootloader::"), ==, UB_ADB_BANNER_BOOTLOADER);
  g_assert_cmpint (ub_adb_banner_kind ("host::"), ==, UB_ADB_BANNER_HOST);
  g_assert_cmpint (ub_adb_banner_kind ("weird"), ==, UB_ADB_BANNER_UNKNOWN);
  g_assert_cmpint (ub_adb_banner_kind (""), ==, UB_ADB_BANNER_UNKNOWN);
  g_assert_cmpint (ub_adb_banner_kind (NULL), ==, UB_ADB_BANNER_UNKNOWN);
}

/* ------------------------------------------------------------------ connection */

static void
test_connect (void)
{
  g_autoptr(FakeDevice) d = fake_device_new ();
  g_autoptr(UbAdbConnection) c = NULL;
  g_autoptr(GError) error = NULL;

  d->max_payload = 4096;
  d->read_chunk = 5;    /* TCP-like: the header arrives in pieces */
  c = connection_for (d);
  g_assert_true (ub_adb_connection_connect (c, 1000, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (ub_adb_connection_get_banner (c), ==, "sideload::");
  g_assert_cmpint (ub_adb_connection_get_banner_kind (c), ==, UB_ADB_BANNER_SIDELOAD);
  g_assert_cmpuint (ub_adb_connection_get_version (c), ==, UB_ADB_VERSION);
  g_assert_cmpuint (ub_adb_connection_get_max_payload (c), ==, 4096);
  g_assert_cmpuint (d->violations, ==, 0);
}

static void
test_connect_old_version (void)
{
  g_autoptr(FakeDevice) d = fake_device_new ();
  g_autoptr(UbMiAssistant) mi = NULL;
  g_autoptr(UbRecoveryInfo) info = NULL;
  g_autoptr(GError) error = NULL;

  /* an old device: checksums both ways */
  d->version = UB_ADB_VERSION_MIN;
  d->answers = g_hash_table_new (g_str_hash, g_str_equal);
  set_answer (d, "getdevice:", "sweet\n");
  mi = assistant_for (d);
  info = ub_mi_assistant_read_info (mi, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ub_recovery_info_get_device (info), ==, "sweet");
  g_assert_cmpuint (d->violations, ==, 0);
}

static void
test_bad_checksum_old_version (void)
{
  g_autoptr(FakeDevice) d = fake_device_new ();
  g_autoptr(UbAdbConnection) c = connection_for (d);
  g_autoptr(GError) error = NULL;
  guint8 header[UB_ADB_HEADER_SIZE];

  /* a CNXN of version 0x01000000 whose checksum is wrong, waiting to be read */
  ub_adb_header_encode (UB_ADB_CMD_CNXN, UB_ADB_VERSION_MIN, 4096,
                        (const guint8 *) "sideload::", 11, TRUE, header);
  header[16] ^= 1;
  g_byte_array_append (d->out, header, sizeof header);
  g_byte_array_append (d->out, (const guint8 *) "sideload::", 11);
  g_assert_false (ub_adb_connection_connect (c, 1000, NULL, &error));
  g_assert_error (error, UB_ADB_ERROR, UB_ADB_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (error->message, "checksum"));
}

static void
test_auth (void)
{
  g_autoptr(FakeDevice) d = fake_device_new ();
  g_autoptr(UbAdbConnection) c = NULL;
  g_autoptr(GError) error = NULL;

  d->auth = TRUE;
  c = connection_for (d);
  g_assert_false (ub_adb_connection_connect (c, 1000, NULL, &error));
  g_assert_error (error, UB_ADB_ERROR, UB_ADB_ERROR_AUTH_REQUIRED);
  g_assert_nonnull (strstr (error->message, "Connect with MIAssistant"));
  g_assert_nonnull (strstr (error->message, "Volume Down"));
}

static void
test_not_mi_assistant (void)
{
  g_autoptr(FakeDevice) d = fake_device_new ();
  g_autoptr(UbAdbConnection) c = NULL;
  g_autoptr(UbMiAssistant) mi = NULL;
  g_autoptr(GError) error = NULL;

  d->banner = "recovery::ro.product.name=sweet;";
  c = connection_for (d);
  g_assert_true (ub_adb_connection_connect (c, 1000, NULL, &error));
  g_assert_cmpint (ub_adb_connection_get_banner_kind (c), ==, UB_ADB_BANNER_RECOVERY);
  mi = ub_mi_assistant_new (c, &error);
  g_assert_null (mi);
  g_assert_error (error, UB_ADB_ERROR, UB_ADB_ERROR_NOT_MI_ASSISTANT);
  g_assert_nonnull (strstr (error->message, "Connect with MIAssistant"));
}

static void
test_small_max_payload (void)
{
  g_autoptr(FakeDevice) d = fake_device_new ();
  g_autoptr(UbAdbConnection) c = NULL;
  g_autoptr(GError) error = NULL;

  d->max_payload = 100;
  c = connection_for (d);
  g_assert_false (ub_adb_connection_connect (c, 1000, NULL, &error));
  g_assert_error (error, UB_ADB_ERROR, UB_ADB_ERROR_PROTOCOL);
}

static void
test_not_connected (void)
{
  g_autoptr(FakeDevice) d = fake_device_new ();
  g_autoptr(UbAdbConnection) c = connection_for (d);
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (ub_adb_connection_open (c, "getdevice:", 1000, NULL, &error), ==, 0);
  g_assert_error (error, UB_ADB_ERROR, UB_ADB_ERROR_FAILED);
  g_assert_cmpuint (d->opened->len, ==, 0);
}

static void
test_unknown_stream (void)
{
  g_autoptr(FakeDevice) d = fake_device_new ();
  g_autoptr(UbAdbConnection) c = connection_for (d);
  g_autoptr(GError) error = NULL;

  g_assert_true (ub_adb_connection_connect (c, 1000, NULL, &error));
  /* an OKAY for a stream never opened comes before the answer */
  dev_send (d, UB_ADB_CMD_OKAY, DEV_ID, 99, NULL, 0);
  g_assert_cmpuint (ub_adb_connection_open (c, "getdevice:", 1000, NULL, &error), ==, 0);
  g_assert_error (error, UB_ADB_ERROR, UB_ADB_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (error->message, "99"));
  g_clear_error (&error);
  /* the link is out of sync: everything fails now */
  g_assert_null (ub_adb_connection_run_service (c, "getsn:", 100, 1000, NULL, &error));
  g_assert_error (error, UB_ADB_ERROR, UB_ADB_ERROR_CLOSED);
}

static void
test_open_timeout (void)
{
  g_autoptr(FakeDevice) d = fake_device_new ();
  g_autoptr(GInputStream) s = g_memory_input_stream_new_from_data ("x", 1, NULL);
  g_autoptr(UbMiAssistant) mi = NULL;
  g_autoptr(GError) error = NULL;

  /* the recovery takes the sideload request, then says nothing */
  d->end = END_SILENT;
  mi = assistant_for (d);
  g_assert_false (ub_mi_assistant_sideload (mi, s, 1, "T", NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, UB_ADB_ERROR, UB_ADB_ERROR_TIMEOUT);
  g_assert_nonnull (strstr (error->message, "interrupted"));
}

/* ------------------------------------------------------------------ services */

static void
test_read_info (void)
{
  g_autoptr(FakeDevice) d = fake_device_new ();
  g_autoptr(UbMiAssistant) mi = NULL;
  g_autoptr(UbRecoveryInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) keys = NULL;

  d->answers = g_hash_table_new (g_str_hash, g_str_equal);
  set_answer (d, "getdevice:", "sweet\n");
  set_answer (d, "getversion:", "V14.0.9.0.TKFMIXM\n");
  set_answer (d, "getsn:", "123456789\n");
  set_answer (d, "getcodebase:", "13.0\n");
  set_answer (d, "getbranch:", "F\r\n");
  set_answer (d, "getlanguage:", "en-US\n");
  /* no getregion: (refused) */
  set_answer (d, "getromzone:", "2\n");
  mi = assistant_for (d);
  g_assert_cmpstr (ub_mi_assistant_get_address (mi), ==, "fake:recovery");
  info = ub_mi_assistant_read_info (mi, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ub_recovery_info_get_device (info), ==, "sweet");
  g_assert_cmpstr (ub_recovery_info_get_version (info), ==, "V14.0.9.0.TKFMIXM");
  g_assert_cmpstr (ub_recovery_info_get_serial (info), ==, "123456789");
  g_assert_cmpstr (ub_recovery_info_get_codebase (info), ==, "13.0");
  g_assert_cmpstr (ub_recovery_info_get_branch (info), ==, "F");
  g_assert_cmpstr (ub_recovery_info_get_language (info), ==, "en-US");
  g_assert_null (ub_recovery_info_get_region (info));
  g_assert_cmpstr (ub_recovery_info_get_romzone (info), ==, "2");
  g_assert_true (ub_recovery_info_is_complete (info));
  keys = ub_recovery_info_dup_keys (info);
  g_assert_cmpuint (g_strv_length (keys), ==, 7);
  g_assert_cmpstr (keys[0], ==, "branch");
  g_assert_cmpstr (keys[6], ==, "version");
  g_assert_cmpuint (d->opened->len, ==, 8);
  g_assert_cmpstr (g_ptr_array_index (d->opened, 6), ==, "getregion:");
  g_assert_cmpuint (d->violations, ==, 0);
}

static void
test_read_info_nothing (void)
{
  g_autoptr(FakeDevice) d = fake_device_new ();
  g_autoptr(UbMiAssistant) mi = NULL;
  g_autoptr(UbRecoveryInfo) info = NULL;
  g_autoptr(GError) error = NULL;

  mi = assistant_for (d);
  info = ub_mi_assistant_read_info (mi, NULL, &error);
  g_assert_null (info);
  g_assert_error (error, UB_ADB_ERROR, UB_ADB_ERROR_PROTOCOL);
}

static void
test_info_too_long (void)
{
  g_autoptr(FakeDevice) d = fake_device_new ();
  g_autoptr(UbMiAssistant) mi = NULL;
  g_autoptr(UbRecoveryInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *big = g_strnfill (5000, 'x');

  d->answers = g_hash_table_new (g_str_hash, g_str_equal);
  set_answer (d, "getdevice:", big);
  mi = assistant_for (d);
  info = ub_mi_assistant_read_info (mi, NULL, &error);
  g_assert_null (info);
  g_assert_error (error, UB_ADB_ERROR, UB_ADB_ERROR_PROTOCOL);
}

static void
test_format_data (void)
{
  g_autoptr(FakeDevice) d = fake_device_new ();
  g_autoptr(UbMiAssistant) mi = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  d->answers = g_hash_table_new (g_str_hash, g_str_equal);
  set_answer (d, "format-data:", "Data formatted\n");
  mi = assistant_for (d);
  g_assert_true (ub_mi_assistant_format_data (mi, &message, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (d->formatted);
  g_assert_cmpstr (message, ==, "Data formatted");
}

static void
test_format_refused (void)
{
  g_autoptr(FakeDevice) d = fake_device_new ();
  g_autoptr(UbMiAssistant) mi = NULL;
  g_autoptr(GError) error = NULL;

  mi = assistant_for (d);
  g_assert_false (ub_mi_assistant_format_data (mi, NULL, NULL, &error));
  g_assert_error (error, UB_ADB_ERROR, UB_ADB_ERROR_REFUSED);
  g_assert_true (d->formatted);
}

static void
test_reboot (void)
{
  static const struct {
    UbRecoveryRebootTarget target;
    const char *name;
  } cases[] = {
    { UB_RECOVERY_REBOOT_SYSTEM, "" },
    { UB_RECOVERY_REBOOT_BOOTLOADER, "bootloader" },
    { UB_RECOVERY_REBOOT_RECOVERY, "recovery" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(FakeDevice) d = fake_device_new ();
      g_autoptr(UbMiAssistant) mi = assistant_for (d);
      g_autoptr(GError) error = NULL;

      /* the phone acknowledges and vanishes: success */
      g_assert_true (ub_mi_assistant_reboot (mi, cases[i].target, NULL, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (d->reboot_target, ==, cases[i].name);
    }
}

/* ------------------------------------------------------------------ sideload */

typedef struct {
  guint calls;
  guint64 last_served;
  UbSideloadPhase last_phase;
  gboolean saw_installing;
  guint cancel_after;
  GCancellable *cancellable;
} Progress;

static void
on_progress (UbSideloadPhase phase,
             guint64         served,
             guint64         size,
             gpointer        user_data)
{
  Progress *p = user_data;

  g_assert_cmpuint (served, >, p->last_served);
  p->calls++;
  p->last_served = served;
  p->last_phase = phase;
  if (phase == UB_SIDELOAD_PHASE_INSTALLING)
    p->saw_installing = TRUE;
  g_assert_true (phase >= UB_SIDELOAD_PHASE_CHECKING);
  if (p->cancel_after > 0 && p->calls == p->cancel_after)
    g_cancellable_cancel (p->cancellable);
}

/* 4 blocks and a short one (5 × 64 KiB − 1000 bytes); checking in order with
 * a repeat, then installing out of order. */
#define FILE_SIZE (5 * UB_SIDELOAD_BLOCK_SIZE - 1000)
static const gint requests_full[] = { 0, 1, 4, 2, 2, 3, 0, 3, 1, 4, 2, -1 };

static gboolean
run_sideload (FakeDevice  *d,
              EndKind      end,
              const char  *final_text,
              const gint  *requests,
              Progress    *progress,
              char       **message,
              GError     **error)
{
  g_autoptr(GBytes) file = ub_test_random_bytes (FILE_SIZE, 12345);
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(UbMiAssistant) mi = NULL;

  d->file = g_bytes_get_data (file, NULL);
  d->file_size = FILE_SIZE;
  d->requests = requests;
  d->end = end;
  d->final_text = final_text;
  mi = assistant_for (d);
  stream = g_memory_input_stream_new_from_bytes (file);
  return ub_mi_assistant_sideload (mi, stream, FILE_SIZE, "VALIDATE+token/=",
                                   progress != NULL ? on_progress : NULL, progress, message,
                                   progress != NULL ? progress->cancellable : NULL, error);
}

static void
test_sideload_done (void)
{
  g_autoptr(FakeDevice) d = fake_device_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  Progress p = { 0 };
  guint64 expected = 0;

  /* small payloads: every block goes in several WRTEs */
  d->max_payload = 16384;
  g_assert_true (run_sideload (d, END_DONE, NULL, requests_full, &p, &message, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (message, ==, "DONEDONE");
  g_assert_cmpstr (d->sideload_service, ==,
                   "sideload-host:326680:65536:VALIDATE+token/=:0");
  g_assert_cmpuint (d->mismatches, ==, 0);
  g_assert_cmpuint (d->violations, ==, 0);
  for (gsize i = 0; requests_full[i] >= 0; i++)
    expected += requests_full[i] == 4 ? FILE_SIZE - 4 * UB_SIDELOAD_BLOCK_SIZE :
                                         UB_SIDELOAD_BLOCK_SIZE;
  g_assert_cmpuint (d->served, ==, expected);
  g_assert_cmpuint (p.last_served, ==, expected);
  g_assert_cmpuint (p.calls, ==, 11);
  g_assert_true (p.saw_installing);
  g_assert_cmpint (p.last_phase, ==, UB_SIDELOAD_PHASE_INSTALLING);
}

static void
test_sideload_fail (void)
{
  g_autoptr(FakeDevice) d = fake_device_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  g_assert_false (run_sideload (d, END_FAIL, NULL, requests_full, NULL, &message, &error));
  g_assert_error (error, UB_ADB_ERROR, UB_ADB_ERROR_INSTALL_FAILED);
  g_assert_cmpuint (d->mismatches, ==, 0);
}

static void
test_sideload_text (void)
{
  static const struct {
    const char *text;
    gboolean ok;
  } cases[] = {
    { "Installation complete, rebooting\n", TRUE },
    { "Verify Failed: package signature invalid\n", FALSE },
    { "E: Error 7", FALSE },
    { "Access DENIED", FALSE },
    { "Update aborted by the user", FALSE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(FakeDevice) d = fake_device_new ();
      g_autoptr(GError) error = NULL;
      g_autofree char *message = NULL;
      static const gint two[] = { 0, 4, -1 };
      gboolean ok = run_sideload (d, END_TEXT, cases[i].text, two, NULL, &message, &error);

      g_assert_cmpint (ok, ==, cases[i].ok);
      if (cases[i].ok)
        {
          g_assert_no_error (error);
          g_assert_cmpstr (message, ==, "Installation complete, rebooting");
        }
      else
        {
          g_autofree char *stripped = g_strstrip (g_strdup (cases[i].text));

          g_assert_error (error, UB_ADB_ERROR, UB_ADB_ERROR_INSTALL_FAILED);
          g_assert_nonnull (strstr (error->message, stripped));
          g_assert_cmpstr (message, ==, stripped);
        }
    }
}

static void
test_sideload_garbage (void)
{
  static const char * const garbage[] = { "42", "", "DONEDON!" };

  for (gsize i = 0; i < G_N_ELEMENTS (garbage); i++)
    {
      g_autoptr(FakeDevice) d = fake_device_new ();
      g_autoptr(GError) error = NULL;
      static const gint one[] = { 1, -1 };

      /* neither a block number nor an end: not the sideload protocol */
      g_assert_false (run_sideload (d, END_TEXT, garbage[i], one, NULL, NULL, &error));
      g_assert_error (error, UB_ADB_ERROR, UB_ADB_ERROR_PROTOCOL);
      g_assert_cmpuint (d->served, ==, UB_SIDELOAD_BLOCK_SIZE);
    }
}

static void
test_sideload_beyond_end (void)
{
  g_autoptr(FakeDevice) d = fake_device_new ();
  g_autoptr(GError) error = NULL;
  static const gint bad[] = { 0, 5, -1 };

  g_assert_false (run_sideload (d, END_DONE, NULL, bad, NULL, NULL, &error));
  g_assert_error (error, UB_ADB_ERROR, UB_ADB_ERROR_PROTOCOL);
  g_assert_cmpuint (d->served, ==, UB_SIDELOAD_BLOCK_SIZE);
}

static void
test_sideload_cancel (void)
{
  g_autoptr(FakeDevice) d = fake_device_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Progress p = { .cancel_after = 3, .cancellable = cancellable };

  g_assert_false (run_sideload (d, END_DONE, NULL, requests_full, &p, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (p.calls, ==, 3);
  g_assert_cmpuint (d->served, ==, 2 * UB_SIDELOAD_BLOCK_SIZE +
                                   (FILE_SIZE - 4 * UB_SIDELOAD_BLOCK_SIZE));
  /* the stream was closed */
  g_assert_cmpuint (d->host_closes, ==, 1);
}

static void
test_sideload_dropped (void)
{
  g_autoptr(FakeDevice) d = fake_device_new ();
  g_autoptr(GError) error = NULL;

  g_assert_false (run_sideload (d, END_DROP, NULL, requests_full, NULL, NULL, &error));
  g_assert_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_NO_DEVICE);
  g_assert_nonnull (strstr (error->message, "interrupted"));
  g_assert_cmpuint (d->mismatches, ==, 0);
}

static void
test_sideload_closed (void)
{
  g_autoptr(FakeDevice) d = fake_device_new ();
  g_autoptr(GError) error = NULL;

  g_assert_false (run_sideload (d, END_CLSE, NULL, requests_full, NULL, NULL, &error));
  g_assert_error (error, UB_ADB_ERROR, UB_ADB_ERROR_CLOSED);
  g_assert_nonnull (strstr (error->message, "interrupted"));
}

static void
test_sideload_timeout (void)
{
  g_autoptr(FakeDevice) d = fake_device_new ();
  g_autoptr(GError) error = NULL;

  g_assert_false (run_sideload (d, END_SILENT, NULL, requests_full, NULL, NULL, &error));
  g_assert_error (error, UB_ADB_ERROR, UB_ADB_ERROR_TIMEOUT);
}

/* ------------------------------------------------------------------ TCP */

typedef struct {
  GSocketListener *listener;
  FakeDevice *device;
} Server;

static gpointer
serve (gpointer data)
{
  Server *server = data;
  g_autoptr(GSocketConnection) conn = NULL;
  GInputStream *in;
  GOutputStream *out;
  g_autoptr(GError) error = NULL;

  conn = g_socket_listener_accept (server->listener, NULL, NULL, &error);
  g_assert_no_error (error);
  in = g_io_stream_get_input_stream (G_IO_STREAM (conn));
  out = g_io_stream_get_output_stream (G_IO_STREAM (conn));
  for (;;)
    {
      guint8 buf[4096];
      gssize n = g_input_stream_read (in, buf, sizeof buf, NULL, NULL);

      if (n <= 0)
        break;
      dev_feed (server->device, buf, n);
      if (server->device->out->len > 0)
        {
          if (!g_output_stream_write_all (out, server->device->out->data,
                                          server->device->out->len, NULL, NULL, NULL))
            break;
          g_byte_array_set_size (server->device->out, 0);
        }
      if (server->device->dropped)
        break;
    }
  g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);
  return NULL;
}

static void
test_tcp (void)
{
  g_autoptr(FakeDevice) d = fake_device_new ();
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(UbMiAssistant) mi = NULL;
  g_autoptr(UbRecoveryInfo) info = NULL;
  g_autofree char *address = NULL;
  g_autoptr(GBytes) file = ub_test_random_bytes (FILE_SIZE, 12345);
  g_autoptr(GInputStream) stream = NULL;
  Server server = { listener, d };
  GThread *thread;
  guint16 port;

  port = g_socket_listener_add_any_inet_port (listener, NULL, &error);
  g_assert_no_error (error);
  d->answers = g_hash_table_new (g_str_hash, g_str_equal);
  set_answer (d, "getdevice:", "sweet\n");
  d->file = g_bytes_get_data (file, NULL);
  d->file_size = FILE_SIZE;
  d->requests = requests_full;
  thread = g_thread_new ("fake-recovery", serve, &server);

  address = g_strdup_printf ("tcp:127.0.0.1:%u", port);
  mi = ub_mi_assistant_open (address, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ub_mi_assistant_get_address (mi), ==, address);
  info = ub_mi_assistant_read_info (mi, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ub_recovery_info_get_device (info), ==, "sweet");
  stream = g_memory_input_stream_new_from_bytes (file);
  g_assert_true (ub_mi_assistant_sideload (mi, stream, FILE_SIZE, "T", NULL, NULL, NULL,
                                           NULL, &error));
  g_assert_no_error (error);
  g_assert_true (ub_mi_assistant_reboot (mi, UB_RECOVERY_REBOOT_BOOTLOADER, NULL, &error));
  g_assert_no_error (error);
  g_thread_join (thread);
  g_assert_cmpuint (d->mismatches, ==, 0);
  g_assert_cmpuint (d->violations, ==, 0);
  g_assert_cmpstr (d->reboot_target, ==, "bootloader");
}

static void
test_tcp_refused (void)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *address = NULL;
  guint16 port;
  UbTransport *t;

  /* a port nobody listens on any more */
  port = g_socket_listener_add_any_inet_port (listener, NULL, &error);
  g_assert_no_error (error);
  g_socket_listener_close (listener);
  address = g_strdup_printf ("127.0.0.1:%u", port);
  t = ub_adb_tcp_transport_connect (address, 1000, NULL, &error);
  g_assert_null (t);
  g_assert_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_NO_DEVICE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/adb/codec/round-trip", test_codec_round_trip);
  g_test_add_func ("/adb/codec/malformed", test_codec_malformed);
  g_test_add_func ("/adb/codec/banner-kinds", test_banner_kinds);
  g_test_add_func ("/adb/connection/connect", test_connect);
  g_test_add_func ("/adb/connection/old-version", test_connect_old_version);
  g_test_add_func ("/adb/connection/bad-checksum", test_bad_checksum_old_version);
  g_test_add_func ("/adb/connection/auth", test_auth);
  g_test_add_func ("/adb/connection/small-max-payload", test_small_max_payload);
  g_test_add_func ("/adb/connection/not-connected", test_not_connected);
  g_test_add_func ("/adb/connection/unknown-stream", test_unknown_stream);
  g_test_add_func ("/adb/connection/timeout", test_open_timeout);
  g_test_add_func ("/adb/mi-assistant/not-sideload", test_not_mi_assistant);
  g_test_add_func ("/adb/mi-assistant/read-info", test_read_info);
  g_test_add_func ("/adb/mi-assistant/read-info-nothing", test_read_info_nothing);
  g_test_add_func ("/adb/mi-assistant/info-too-long", test_info_too_long);
  g_test_add_func ("/adb/mi-assistant/format-data", test_format_data);
  g_test_add_func ("/adb/mi-assistant/format-refused", test_format_refused);
  g_test_add_func ("/adb/mi-assistant/reboot", test_reboot);
  g_test_add_func ("/adb/sideload/done", test_sideload_done);
  g_test_add_func ("/adb/sideload/fail", test_sideload_fail);
  g_test_add_func ("/adb/sideload/text", test_sideload_text);
  g_test_add_func ("/adb/sideload/beyond-end", test_sideload_beyond_end);
  g_test_add_func ("/adb/sideload/garbage", test_sideload_garbage);
  g_test_add_func ("/adb/sideload/cancel", test_sideload_cancel);
  g_test_add_func ("/adb/sideload/dropped", test_sideload_dropped);
  g_test_add_func ("/adb/sideload/closed", test_sideload_closed);
  g_test_add_func ("/adb/sideload/timeout", test_sideload_timeout);
  g_test_add_func ("/adb/tcp/mi-assistant", test_tcp);
  g_test_add_func ("/adb/tcp/refused", test_tcp_refused);
  return g_test_run ();
}
