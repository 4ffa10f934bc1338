/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "ub-fastboot-error.h"
#include "ub-socket-util.h"

void
ub_socket_propagate_io_error (GError    **error,
                              GError     *io_error,
                              const char *what)
{
  UbFastbootError code = UB_FASTBOOT_ERROR_IO;

  if (g_error_matches (io_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_propagate_error (error, io_error);
      return;
    }
  if (g_error_matches (io_error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    code = UB_FASTBOOT_ERROR_TIMEOUT;
  else if (g_error_matches (io_error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED) ||
           g_error_matches (io_error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE) ||
           g_error_matches (io_error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
    code = UB_FASTBOOT_ERROR_NO_DEVICE;
  /* TRANSLATORS: what failed (e.g. “Sending to the device failed”), then the system's
   * reason */
  g_set_error (error, UB_FASTBOOT_ERROR, code, _("%s: %s"), what, io_error->message);
  g_error_free (io_error);
}

gboolean
ub_socket_wait (GSocket       *socket,
                GIOCondition   condition,
                guint          timeout_ms,
                GCancellable  *cancellable,
                GError       **error)
{
  GError *local = NULL;
  gint64 timeout_us = timeout_ms > 0 ? (gint64) timeout_ms * 1000 : -1;

  if (!g_socket_condition_timed_wait (socket, condition, timeout_us, cancellable, &local))
    {
      if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
        {
          guint seconds = (timeout_ms + 999) / 1000;

          g_error_free (local);
          g_set_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_TIMEOUT,
                       condition == G_IO_IN ?
                       ngettext ("The phone did not answer within %u second",
                                 "The phone did not answer within %u seconds", seconds) :
                       ngettext ("The phone stopped accepting data for %u second",
                                 "The phone stopped accepting data for %u seconds", seconds),
                       seconds);
          return FALSE;
        }
      ub_socket_propagate_io_error (error, local, _("Waiting for the device failed"));
      return FALSE;
    }
  return TRUE;
}

gboolean
ub_socket_send_all (GSocket       *socket,
                    GOutputVector *vectors,
                    guint          n_vectors,
                    guint          stall_timeout_ms,
                    GCancellable  *cancellable,
                    GError       **error)
{
  while (n_vectors > 0)
    {
      GError *local = NULL;
      gssize sent;

      /* try first; wait only when the socket buffer is full */
      sent = g_socket_send_message (socket, NULL, vectors, n_vectors, NULL, 0,
                                    G_SOCKET_MSG_NONE, cancellable, &local);
      if (sent < 0)
        {
          if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            {
              g_error_free (local);
              if (!ub_socket_wait (socket, G_IO_OUT, stall_timeout_ms, cancellable, error))
                return FALSE;
              continue;
            }
          ub_socket_propagate_io_error (error, local, _("Sending to the device failed"));
          return FALSE;
        }
      /* advance over what went out */
      while (n_vectors > 0 && (gsize) sent >= vectors->size)
        {
          sent -= vectors->size;
          vectors++;
          n_vectors--;
        }
      if (n_vectors > 0)
        {
          vectors->buffer = (const guint8 *) vectors->buffer + sent;
          vectors->size -= sent;
        }
    }
  return TRUE;
}

gssize
ub_socket_receive (GSocket       *socket,
                   guint8        *buf,
                   gsize          len,
                   guint          timeout_ms,
                   GCancellable  *cancellable,
                   GError       **error)
{
  for (;;)
    {
      GError *local = NULL;
      gssize got = g_socket_receive (socket, (gchar *) buf, len, cancellable, &local);

      if (got < 0)
        {
          if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            {
              g_error_free (local);
              if (!ub_socket_wait (socket, G_IO_IN, timeout_ms, cancellable, error))
                return -1;
              continue;
            }
          ub_socket_propagate_io_error (error, local, _("Reading from the device failed"));
          return -1;
        }
      if (got == 0)
        {
          g_set_error_literal (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_NO_DEVICE,
                               _("The device closed the connection"));
          return -1;
        }
      return got;
    }
}

GSocketConnection *
ub_socket_connect (const char    *host,
                   guint16        default_port,
                   guint          timeout_ms,
                   GCancellable  *cancellable,
                   GError       **error)
{
  g_autoptr(GSocketClient) client = NULL;
  g_autoptr(GSocketConnectable) connectable = NULL;
  GSocketConnection *connection;
  GSocket *socket;
  GError *local = NULL;

  connectable = g_network_address_parse (host, default_port, &local);
  if (connectable == NULL)
    {
      g_set_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_INVALID_ARGUMENT,
                   /* TRANSLATORS: %s: what was typed after tcp:, then the reason */
                   _("Invalid network address “%s”: %s"), host, local->message);
      g_error_free (local);
      return NULL;
    }

  client = g_socket_client_new ();
  /* a phone is reached directly: fastboot and adb over a web proxy make no sense, and the
   * proxy lookup (libproxy) would cost more than the connection itself */
  g_socket_client_set_enable_proxy (client, FALSE);
  g_socket_client_set_timeout (client, MAX (1, (timeout_ms + 999) / 1000));
  connection = g_socket_client_connect (client, connectable, cancellable, &local);
  if (connection == NULL)
    {
      ub_socket_propagate_io_error (error, local, _("Could not connect to the device"));
      if (error != NULL && *error != NULL && (*error)->domain == UB_FASTBOOT_ERROR &&
          (*error)->code == UB_FASTBOOT_ERROR_IO)
        (*error)->code = UB_FASTBOOT_ERROR_NOT_FOUND;
      return NULL;
    }
  socket = g_socket_connection_get_socket (connection);
  /* the connect timeout would otherwise cap every later ub_socket_wait() */
  g_socket_set_timeout (socket, 0);
  g_socket_set_blocking (socket, FALSE);
  g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
  return connection;
}
