/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <string.h>

#include "ub-fastboot-error.h"
#include "ub-socket-util.h"
#include "ub-tcp-transport.h"

#define HANDSHAKE_TIMEOUT_MS 2000
#define FRAME_HEADER_SIZE    8
/* Responses are at most 256 bytes; longer frames are cut, much longer ones refused. */
#define MAX_FRAME_SIZE       (64 * 1024)

struct _UbTcpTransport
{
  GObject            parent_instance;
  GSocketConnection *connection;
  GSocket           *socket;
  char              *description;
};

static void ub_tcp_transport_iface_init (UbTransportInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (UbTcpTransport, ub_tcp_transport, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (UB_TYPE_TRANSPORT,
                                                      ub_tcp_transport_iface_init))

static gboolean
set_closed_error (UbTcpTransport *self,
                  GError        **error)
{
  if (self->socket == NULL)
    {
      g_set_error_literal (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_NO_DEVICE,
                           _("The connection to the device is closed"));
      return TRUE;
    }
  return FALSE;
}

static gboolean
recv_exact (UbTcpTransport *self,
            guint8         *buf,
            gsize           len,
            guint           timeout_ms,
            GCancellable   *cancellable,
            GError        **error)
{
  for (gsize done = 0; done < len;)
    {
      gssize got = ub_socket_receive (self->socket, buf + done, len - done, timeout_ms,
                                      cancellable, error);

      if (got < 0)
        return FALSE;
      done += got;
    }
  return TRUE;
}

static void ub_tcp_transport_close (UbTransport *transport);

static gboolean
ub_tcp_transport_write (UbTransport   *transport,
                        const guint8  *buf,
                        gsize          len,
                        guint          stall_timeout_ms,
                        GCancellable  *cancellable,
                        GError       **error)
{
  UbTcpTransport *self = UB_TCP_TRANSPORT (transport);
  guint8 header[FRAME_HEADER_SIZE];
  guint64 be_len = GUINT64_TO_BE ((guint64) len);
  GOutputVector vectors[2];

  if (set_closed_error (self, error))
    return FALSE;
  memcpy (header, &be_len, sizeof header);
  /* header and payload leave in one send, as U-Boot requires */
  vectors[0].buffer = header;
  vectors[0].size = sizeof header;
  vectors[1].buffer = buf;
  vectors[1].size = len;
  return ub_socket_send_all (self->socket, vectors, 2, stall_timeout_ms, cancellable, error);
}

static gssize
ub_tcp_transport_read (UbTransport   *transport,
                       guint8        *buf,
                       gsize          len,
                       guint          timeout_ms,
                       GCancellable  *cancellable,
                       GError       **error)
{
  UbTcpTransport *self = UB_TCP_TRANSPORT (transport);
  guint8 header[FRAME_HEADER_SIZE];
  guint64 frame_len;
  gsize keep;

  if (set_closed_error (self, error))
    return -1;
  if (!recv_exact (self, header, sizeof header, timeout_ms, cancellable, error))
    return -1;
  memcpy (&frame_len, header, sizeof frame_len);
  frame_len = GUINT64_FROM_BE (frame_len);
  if (frame_len > MAX_FRAME_SIZE)
    {
      /* not a response: a device that would keep us discarding for ever */
      g_set_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_PROTOCOL,
                   _("The device sent a response of %" PRIu64 " bytes, far too long"),
                   frame_len);
      ub_tcp_transport_close (transport);
      return -1;
    }
  keep = MIN (frame_len, len);
  if (keep > 0 && !recv_exact (self, buf, keep, timeout_ms, cancellable, error))
    return -1;
  /* a frame larger than the caller's buffer: drop the excess, keep in sync */
  for (guint64 left = frame_len - keep; left > 0;)
    {
      guint8 scratch[512];
      gsize n = MIN (left, sizeof scratch);
      if (!recv_exact (self, scratch, n, timeout_ms, cancellable, error))
        return -1;
      left -= n;
    }
  return (gssize) keep;
}

static void
ub_tcp_transport_close (UbTransport *transport)
{
  UbTcpTransport *self = UB_TCP_TRANSPORT (transport);

  if (self->connection != NULL)
    g_io_stream_close (G_IO_STREAM (self->connection), NULL, NULL);
  g_clear_object (&self->connection);
  self->socket = NULL;
}

static const char *
ub_tcp_transport_describe (UbTransport *transport)
{
  return UB_TCP_TRANSPORT (transport)->description;
}

static void
ub_tcp_transport_iface_init (UbTransportInterface *iface)
{
  iface->write = ub_tcp_transport_write;
  iface->read = ub_tcp_transport_read;
  iface->close = ub_tcp_transport_close;
  iface->describe = ub_tcp_transport_describe;
}

static void
ub_tcp_transport_finalize (GObject *object)
{
  UbTcpTransport *self = UB_TCP_TRANSPORT (object);

  ub_tcp_transport_close (UB_TRANSPORT (self));
  g_free (self->description);
  G_OBJECT_CLASS (ub_tcp_transport_parent_class)->finalize (object);
}

static void
ub_tcp_transport_class_init (UbTcpTransportClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ub_tcp_transport_finalize;
}

static void
ub_tcp_transport_init (UbTcpTransport *self)
{
}

static gboolean
handshake (UbTcpTransport *self,
           GCancellable   *cancellable,
           GError        **error)
{
  GOutputVector vector = { "FB01", 4 };
  guint8 reply[4];
  guint version;

  if (!ub_socket_send_all (self->socket, &vector, 1, HANDSHAKE_TIMEOUT_MS, cancellable, error))
    return FALSE;
  if (!recv_exact (self, reply, sizeof reply, HANDSHAKE_TIMEOUT_MS, cancellable, error))
    {
      /* TRANSLATORS: put before an error; a handshake is the greeting that starts a
       * network connection to a phone */
      g_prefix_error (error, _("No fastboot handshake: "));
      return FALSE;
    }
  if (reply[0] != 'F' || reply[1] != 'B' ||
      !g_ascii_isdigit (reply[2]) || !g_ascii_isdigit (reply[3]))
    {
      g_set_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_PROTOCOL,
                   /* TRANSLATORS: %.4s: the 4 letters the device sent instead of “FB01” */
                   _("Not a fastboot device (handshake was \"%.4s\")"), (const char *) reply);
      return FALSE;
    }
  version = (reply[2] - '0') * 10 + (reply[3] - '0');
  if (version < 1)
    {
      g_set_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_PROTOCOL,
                   _("Unsupported fastboot TCP protocol version %u"), version);
      return FALSE;
    }
  return TRUE;
}

UbTransport *
ub_tcp_transport_connect (const char    *address,
                          guint          timeout_ms,
                          GCancellable  *cancellable,
                          GError       **error)
{
  g_autoptr(UbTcpTransport) self = NULL;

  g_return_val_if_fail (address != NULL, NULL);

  self = g_object_new (UB_TYPE_TCP_TRANSPORT, NULL);
  self->connection = ub_socket_connect (address, UB_TCP_TRANSPORT_DEFAULT_PORT, timeout_ms,
                                        cancellable, error);
  if (self->connection == NULL)
    return NULL;
  self->socket = g_socket_connection_get_socket (self->connection);
  self->description = g_strdup_printf ("tcp:%s", address);

  if (!handshake (self, cancellable, error))
    return NULL;
  return UB_TRANSPORT (g_steal_pointer (&self));
}
