/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "ub-emu-tcp-server.h"
#include "ub-emu-session.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

#define PIECE_SIZE (1024 * 1024)

typedef struct {
  UbEmuTcpServer *server;   /* borrowed: stop() joins us first */
  GSocket        *sock;
  GThread        *thread;
  gboolean        finished; /* protected by server->lock */
} Conn;

struct _UbEmuTcpServer
{
  GObject       parent_instance;

  UbEmuPhone   *phone;
  GSocket      *listener;
  guint16       port;
  GThread      *accept_thread;
  GCancellable *cancellable;

  GMutex        lock;
  GCond         cond;
  GPtrArray    *conns;      /* Conn* */
  gboolean      stopping;
};

G_DEFINE_FINAL_TYPE (UbEmuTcpServer, ub_emu_tcp_server, G_TYPE_OBJECT)

static void
conn_free (Conn *conn)
{
  if (conn->thread)
    g_thread_join (conn->thread);
  g_clear_object (&conn->sock);
  g_free (conn);
}

static gboolean
recv_exact (Conn   *conn,
            guint8 *buf,
            gsize   len)
{
  while (len > 0)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_socket_receive (conn->sock, (gchar *) buf, len,
                                   conn->server->cancellable, &error);
      if (n <= 0)
        return FALSE;
      buf += n;
      len -= (gsize) n;
    }
  return TRUE;
}

static gboolean
send_all (Conn         *conn,
          const guint8 *buf,
          gsize         len)
{
  while (len > 0)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_socket_send (conn->sock, (const gchar *) buf, len,
                                conn->server->cancellable, &error);
      if (n <= 0)
        return FALSE;
      buf += n;
      len -= (gsize) n;
    }
  return TRUE;
}

/* Device->host packet: one frame, header and payload in one send. */
static void
conn_output (const guint8 *data,
             gsize         len,
             gpointer      user_data)
{
  Conn *conn = user_data;
  guint8 frame[8 + 256];
  guint64 be;

  len = MIN (len, (gsize) 256);
  be = GUINT64_TO_BE ((guint64) len);
  memcpy (frame, &be, 8);
  memcpy (frame + 8, data, len);
  send_all (conn, frame, 8 + len);
}

static void
wait_for_stop (UbEmuTcpServer *server)
{
  g_mutex_lock (&server->lock);
  while (!server->stopping)
    g_cond_wait (&server->cond, &server->lock);
  g_mutex_unlock (&server->lock);
}

static gpointer
conn_thread (gpointer data)
{
  Conn *conn = data;
  UbEmuTcpServer *server = conn->server;
  g_autoptr(UbEmuSession) session = NULL;
  g_autofree guint8 *piece = NULL;
  guint8 hs[4];
  UbEmuAction action = UB_EMU_ACTION_CONTINUE;

  g_socket_set_blocking (conn->sock, TRUE);
  g_socket_set_option (conn->sock, IPPROTO_TCP, TCP_NODELAY, 1, NULL);

  /* Handshake: "FB" + two decimal digits; we speak version 1. */
  if (!recv_exact (conn, hs, 4) || hs[0] != 'F' || hs[1] != 'B' ||
      !g_ascii_isdigit (hs[2]) || !g_ascii_isdigit (hs[3]) ||
      (hs[2] == '0' && hs[3] == '0') ||
      !send_all (conn, (const guint8 *) "FB01", 4))
    goto out;

  session = ub_emu_session_new (server->phone, conn_output, conn);
  piece = g_malloc (PIECE_SIZE);

  while (action == UB_EMU_ACTION_CONTINUE)
    {
      guint64 be, remaining;
      gboolean first = TRUE;

      if (!recv_exact (conn, (guint8 *) &be, 8))
        break;
      remaining = GUINT64_FROM_BE (be);

      while (remaining > 0 && action == UB_EMU_ACTION_CONTINUE)
        {
          gsize n = (gsize) MIN (remaining, (guint64) ub_emu_session_get_feed_size (session, PIECE_SIZE));

          if (!recv_exact (conn, piece, n))
            goto out;
          remaining -= n;
          /* A frame is one packet: the first piece is a command or data;
           * later pieces matter only while a data phase is open. */
          if (first || ub_emu_session_get_data_remaining (session) > 0)
            action = ub_emu_session_feed (session, piece, n);
          first = FALSE;
        }
    }

  if (action == UB_EMU_ACTION_STALL)
    wait_for_stop (server);   /* keep the socket open, read nothing */

out:
  g_socket_close (conn->sock, NULL);
  g_mutex_lock (&server->lock);
  conn->finished = TRUE;
  g_mutex_unlock (&server->lock);
  return NULL;
}

static void
reap_finished_locked (UbEmuTcpServer *self)
{
  for (guint i = self->conns->len; i > 0; i--)
    {
      Conn *conn = g_ptr_array_index (self->conns, i - 1);

      if (conn->finished)
        g_ptr_array_remove_index_fast (self->conns, i - 1);  /* joins */
    }
}

static gpointer
accept_thread (gpointer data)
{
  UbEmuTcpServer *self = data;

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      GSocket *sock = g_socket_accept (self->listener, self->cancellable, &error);
      Conn *conn;

      if (sock == NULL)
        {
          if (g_cancellable_is_cancelled (self->cancellable))
            break;
          g_usleep (10 * 1000);
          continue;
        }

      g_mutex_lock (&self->lock);
      reap_finished_locked (self);
      if (self->stopping)
        {
          g_mutex_unlock (&self->lock);
          g_socket_close (sock, NULL);
          g_object_unref (sock);
          break;
        }
      conn = g_new0 (Conn, 1);
      conn->server = self;
      conn->sock = sock;
      g_ptr_array_add (self->conns, conn);
      conn->thread = g_thread_new ("ub-emu-tcp-conn", conn_thread, conn);
      g_mutex_unlock (&self->lock);
    }
  return NULL;
}

static void
ub_emu_tcp_server_finalize (GObject *object)
{
  UbEmuTcpServer *self = UB_EMU_TCP_SERVER (object);

  ub_emu_tcp_server_stop (self);
  g_ptr_array_unref (self->conns);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->phone);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);

  G_OBJECT_CLASS (ub_emu_tcp_server_parent_class)->finalize (object);
}

static void
ub_emu_tcp_server_class_init (UbEmuTcpServerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ub_emu_tcp_server_finalize;
}

static void
ub_emu_tcp_server_init (UbEmuTcpServer *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->conns = g_ptr_array_new_with_free_func ((GDestroyNotify) conn_free);
}

UbEmuTcpServer *
ub_emu_tcp_server_new (UbEmuPhone *phone)
{
  UbEmuTcpServer *self;

  g_return_val_if_fail (UB_IS_EMU_PHONE (phone), NULL);

  self = g_object_new (UB_TYPE_EMU_TCP_SERVER, NULL);
  self->phone = g_object_ref (phone);
  return self;
}

gboolean
ub_emu_tcp_server_start (UbEmuTcpServer  *self,
                         guint16          port,
                         GError         **error)
{
  g_autoptr(GInetAddress) loopback = NULL;
  g_autoptr(GSocketAddress) addr = NULL;
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GSocket) sock = NULL;

  g_return_val_if_fail (UB_IS_EMU_TCP_SERVER (self), FALSE);

  if (self->listener != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                   "The emulator server is already running");
      return FALSE;
    }

  sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                       G_SOCKET_PROTOCOL_TCP, error);
  if (sock == NULL)
    return FALSE;

  loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  addr = g_inet_socket_address_new (loopback, port);
  if (!g_socket_bind (sock, addr, TRUE, error) || !g_socket_listen (sock, error))
    return FALSE;

  bound = g_socket_get_local_address (sock, error);
  if (bound == NULL)
    return FALSE;
  self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));

  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->stopping = FALSE;
  self->listener = g_steal_pointer (&sock);
  self->accept_thread = g_thread_new ("ub-emu-tcp-accept", accept_thread, self);
  return TRUE;
}

guint16
ub_emu_tcp_server_get_port (UbEmuTcpServer *self)
{
  g_return_val_if_fail (UB_IS_EMU_TCP_SERVER (self), 0);
  return self->port;
}

void
ub_emu_tcp_server_stop (UbEmuTcpServer *self)
{
  g_return_if_fail (UB_IS_EMU_TCP_SERVER (self));

  if (self->listener == NULL)
    return;

  g_mutex_lock (&self->lock);
  self->stopping = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  g_cancellable_cancel (self->cancellable);

  g_thread_join (self->accept_thread);
  self->accept_thread = NULL;
  g_socket_close (self->listener, NULL);
  g_clear_object (&self->listener);

  /* Joins every connection thread (they see the cancellation). */
  g_ptr_array_set_size (self->conns, 0);
}
