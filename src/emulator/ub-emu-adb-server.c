/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "ub-emu-adb-server.h"

#include <gio/gio.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#define READ_SIZE (256 * 1024)

struct _UbEmuAdbServer
{
  GObject               parent_instance;

  UbEmuRecovery        *recovery;
  guint16               port;

  /* Everything below lives on the server thread while it runs. */
  GMainContext         *context;
  GMainLoop            *loop;
  GThread              *thread;
  GSocket              *listener;
  GSource              *listen_source;

  GSocket              *conn;
  GQueue                pending;     /* GSocket: accepted while conn was busy */
  GSource              *conn_source;
  UbEmuRecoverySession *session;
  guint8               *buf;
};

G_DEFINE_FINAL_TYPE (UbEmuAdbServer, ub_emu_adb_server, G_TYPE_OBJECT)

static void
conn_close (UbEmuAdbServer *self)
{
  if (self->conn_source)
    {
      g_source_destroy (self->conn_source);
      g_clear_pointer (&self->conn_source, g_source_unref);
    }
  if (self->session)
    g_object_run_dispose (G_OBJECT (self->session));  /* its timers */
  g_clear_object (&self->session);
  if (self->conn)
    g_socket_close (self->conn, NULL);
  g_clear_object (&self->conn);
}

/* Device->host: header and payload as they come, on the raw stream. */
static void
conn_output (const guint8 *data,
             gsize         len,
             gpointer      user_data)
{
  UbEmuAdbServer *self = user_data;

  while (len > 0 && self->conn != NULL)
    {
      gssize n = g_socket_send (self->conn, (const gchar *) data, len, NULL, NULL);

      if (n <= 0)
        return;   /* the host went away; the read side notices */
      data += n;
      len -= (gsize) n;
    }
}

static void conn_adopt (UbEmuAdbServer *self,
                        GSocket        *conn);

/* The link is free again: the next host that knocked gets it. */
static void
conn_next (UbEmuAdbServer *self)
{
  GSocket *next = g_queue_pop_head (&self->pending);

  if (next != NULL)
    conn_adopt (self, next);
}

static gboolean
conn_ready (GSocket      *sock,
            GIOCondition  condition,
            gpointer      user_data)
{
  UbEmuAdbServer *self = user_data;
  gssize n;

  n = g_socket_receive (sock, (gchar *) self->buf, READ_SIZE, NULL, NULL);
  if (n <= 0 || !ub_emu_recovery_session_feed (self->session, self->buf, (gsize) n))
    {
      g_clear_pointer (&self->conn_source, g_source_unref);
      conn_close (self);
      conn_next (self);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
listener_ready (GSocket      *sock,
                GIOCondition  condition,
                gpointer      user_data)
{
  UbEmuAdbServer *self = user_data;
  g_autoptr(GSocket) conn = g_socket_accept (sock, NULL, NULL);

  if (conn == NULL)
    return G_SOURCE_CONTINUE;
  if (self->conn != NULL)
    {
      /* One connection at a time, as a USB link: the next waits for it (a
       * host that closes and reconnects at once may be seen in either order). */
      g_queue_push_tail (&self->pending, g_steal_pointer (&conn));
      return G_SOURCE_CONTINUE;
    }
  conn_adopt (self, g_steal_pointer (&conn));
  return G_SOURCE_CONTINUE;
}

/* @conn (owned) becomes the link. */
static void
conn_adopt (UbEmuAdbServer *self,
            GSocket        *conn)
{
  g_socket_set_blocking (conn, TRUE);
  g_socket_set_option (conn, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
  self->conn = conn;
  self->session = ub_emu_recovery_session_new (self->recovery, self->context, conn_output, self);
  self->conn_source = g_socket_create_source (self->conn, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
  g_source_set_callback (self->conn_source, (GSourceFunc) conn_ready, self, NULL);
  g_source_attach (self->conn_source, self->context);
}

static void
close_socket (gpointer data)
{
  g_socket_close (data, NULL);
  g_object_unref (data);
}

static gboolean
quit_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

static gpointer
server_thread (gpointer data)
{
  UbEmuAdbServer *self = data;

  g_main_context_push_thread_default (self->context);
  g_main_loop_run (self->loop);
  conn_close (self);
  g_queue_clear_full (&self->pending, close_socket);
  g_main_context_pop_thread_default (self->context);
  return NULL;
}

static void
ub_emu_adb_server_finalize (GObject *object)
{
  UbEmuAdbServer *self = UB_EMU_ADB_SERVER (object);

  ub_emu_adb_server_stop (self);
  g_clear_object (&self->recovery);
  G_OBJECT_CLASS (ub_emu_adb_server_parent_class)->finalize (object);
}

static void
ub_emu_adb_server_class_init (UbEmuAdbServerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ub_emu_adb_server_finalize;
}

static void
ub_emu_adb_server_init (UbEmuAdbServer *self)
{
}

UbEmuAdbServer *
ub_emu_adb_server_new (UbEmuRecovery *recovery)
{
  UbEmuAdbServer *self;

  g_return_val_if_fail (UB_IS_EMU_RECOVERY (recovery), NULL);

  self = g_object_new (UB_TYPE_EMU_ADB_SERVER, NULL);
  self->recovery = g_object_ref (recovery);
  return self;
}

gboolean
ub_emu_adb_server_start (UbEmuAdbServer  *self,
                         guint16          port,
                         GError         **error)
{
  g_autoptr(GInetAddress) loopback = NULL;
  g_autoptr(GSocketAddress) addr = NULL;
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GSocket) sock = NULL;

  g_return_val_if_fail (UB_IS_EMU_ADB_SERVER (self), FALSE);

  if (self->thread != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                   "The emulated recovery is already listening");
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
  g_socket_set_blocking (sock, FALSE);

  self->listener = g_steal_pointer (&sock);
  self->buf = g_malloc (READ_SIZE);
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->listen_source = g_socket_create_source (self->listener, G_IO_IN, NULL);
  g_source_set_callback (self->listen_source, (GSourceFunc) listener_ready, self, NULL);
  g_source_attach (self->listen_source, self->context);

  self->thread = g_thread_new ("ub-emu-adb-server", server_thread, self);
  return TRUE;
}

guint16
ub_emu_adb_server_get_port (UbEmuAdbServer *self)
{
  g_return_val_if_fail (UB_IS_EMU_ADB_SERVER (self), 0);
  return self->port;
}

void
ub_emu_adb_server_stop (UbEmuAdbServer *self)
{
  g_return_if_fail (UB_IS_EMU_ADB_SERVER (self));

  if (self->thread == NULL)
    return;

  /* Quit from inside the loop: stop() may come before the loop runs. */
  g_main_context_invoke (self->context, quit_cb, self->loop);
  g_thread_join (self->thread);   /* closes the connection on its way out */
  self->thread = NULL;

  g_source_destroy (self->listen_source);
  g_clear_pointer (&self->listen_source, g_source_unref);
  g_socket_close (self->listener, NULL);
  g_clear_object (&self->listener);
  g_clear_pointer (&self->loop, g_main_loop_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_pointer (&self->buf, g_free);
}
