/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "ub-adb-tcp-transport.h"
#include "ub-fastboot-error.h"
#include "ub-socket-util.h"

/* Patterns as src/fastboot/ub-tcp-transport.c, without its framing and handshake. */

struct _UbAdbTcpTransport
{
  GObject            parent_instance;
  GSocketConnection *connection;
  GSocket           *socket;
  char              *description;
};

static void ub_adb_tcp_transport_iface_init (UbTransportInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (UbAdbTcpTransport, ub_adb_tcp_transport, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (UB_TYPE_TRANSPORT,
                                                      ub_adb_tcp_transport_iface_init))

static gboolean
set_closed_error (UbAdbTcpTransport *self,
                  GError           **error)
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
ub_adb_tcp_transport_write (UbTransport   *transport,
                            const guint8  *buf,
                            gsize          len,
                            guint          stall_timeout_ms,
                            GCancellable  *cancellable,
                            GError       **error)
{
  UbAdbTcpTransport *self = UB_ADB_TCP_TRANSPORT (transport);
  GOutputVector vector = { buf, len };

  if (set_closed_error (self, error))
    return FALSE;
  return ub_socket_send_all (self->socket, &vector, 1, stall_timeout_ms, cancellable, error);
}

static gssize
ub_adb_tcp_transport_read (UbTransport   *transport,
                           guint8        *buf,
                           gsize          len,
                           guint          timeout_ms,
                           GCancellable  *cancellable,
                           GError       **error)
{
  UbAdbTcpTransport *self = UB_ADB_TCP_TRANSPORT (transport);

  if (set_closed_error (self, error))
    return -1;
  if (len == 0)
    return 0;
  return ub_socket_receive (self->socket, buf, len, timeout_ms, cancellable, error);
}

static void
ub_adb_tcp_transport_close (UbTransport *transport)
{
  UbAdbTcpTransport *self = UB_ADB_TCP_TRANSPORT (transport);

  if (self->connection != NULL)
    g_io_stream_close (G_IO_STREAM (self->connection), NULL, NULL);
  g_clear_object (&self->connection);
  self->socket = NULL;
}

static const char *
ub_adb_tcp_transport_describe (UbTransport *transport)
{
  return UB_ADB_TCP_TRANSPORT (transport)->description;
}

static void
ub_adb_tcp_transport_iface_init (UbTransportInterface *iface)
{
  iface->write = ub_adb_tcp_transport_write;
  iface->read = ub_adb_tcp_transport_read;
  iface->close = ub_adb_tcp_transport_close;
  iface->describe = ub_adb_tcp_transport_describe;
}

static void
ub_adb_tcp_transport_finalize (GObject *object)
{
  UbAdbTcpTransport *self = UB_ADB_TCP_TRANSPORT (object);

  ub_adb_tcp_transport_close (UB_TRANSPORT (self));
  g_free (self->description);
  G_OBJECT_CLASS (ub_adb_tcp_transport_parent_class)->finalize (object);
}

static void
ub_adb_tcp_transport_class_init (UbAdbTcpTransportClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ub_adb_tcp_transport_finalize;
}

static void
ub_adb_tcp_transport_init (UbAdbTcpTransport *self)
{
}

UbTransport *
ub_adb_tcp_transport_connect (const char    *address,
                              guint          timeout_ms,
                              GCancellable  *cancellable,
                              GError       **error)
{
  g_autoptr(UbAdbTcpTransport) self = NULL;
  const char *host;

  g_return_val_if_fail (address != NULL, NULL);

  host = g_str_has_prefix (address, "tcp:") ? address + 4 : address;
  self = g_object_new (UB_TYPE_ADB_TCP_TRANSPORT, NULL);
  self->connection = ub_socket_connect (host, UB_ADB_TCP_DEFAULT_PORT, timeout_ms, cancellable,
                                        error);
  if (self->connection == NULL)
    return NULL;
  self->socket = g_socket_connection_get_socket (self->connection);
  if (strchr (host, ':') == NULL)
    self->description = g_strdup_printf ("tcp:%s:%u", host, (guint) UB_ADB_TCP_DEFAULT_PORT);
  else
    self->description = g_strdup_printf ("tcp:%s", host);
  return UB_TRANSPORT (g_steal_pointer (&self));
}
