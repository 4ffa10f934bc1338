/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "ub-adb-connection.h"
#include "ub-adb-error.h"
#include "ub-fastboot-error.h"

/* The packet trace: G_MESSAGES_DEBUG=Unbrick-Protocol shows it alone. */
#define PROTOCOL_LOG_DOMAIN "Unbrick-Protocol"
/* Packets for streams nobody waits on, kept until read (then an error). */
#define MAX_QUEUED_PACKETS 64
#define MAX_QUEUED_BYTES   (4u * 1024u * 1024u)
/* Writes of our own packets: the phone must take them within this. */
#define WRITE_STALL_MS     30000
#define HOST_BANNER        "host::"

typedef struct {
  guint32 command;
  guint32 arg0;
  guint32 arg1;
  GBytes *data;
} Packet;

typedef struct {
  guint32 local_id;
  guint32 remote_id;
  gboolean device_closed;   /* the device sent CLSE (AOSP's host sends none back) */
  GQueue queue;             /* of Packet, for this stream, not yet consumed */
} Stream;

struct _UbAdbConnection
{
  GObject parent_instance;

  UbTransport *transport;
  char *banner;
  UbAdbBannerKind banner_kind;
  guint32 version;
  guint32 max_payload;
  gboolean connected;
  gboolean check_checksum;  /* a device older than 0x01000001: checksums both ways */
  gboolean broken;          /* out of sync or link lost: every call fails */
  guint32 next_local_id;
  GHashTable *streams;      /* local id → Stream */
  GHashTable *closed_ids;   /* local ids we closed: late packets are ignored */
  guint n_queued;
  gsize queued_bytes;
};

G_DEFINE_FINAL_TYPE (UbAdbConnection, ub_adb_connection, G_TYPE_OBJECT)

static void
packet_free (Packet *p)
{
  g_clear_pointer (&p->data, g_bytes_unref);
  g_free (p);
}

static void
stream_free (Stream *s)
{
  g_queue_clear_full (&s->queue, (GDestroyNotify) packet_free);
  g_free (s);
}

static void
ub_adb_connection_finalize (GObject *object)
{
  UbAdbConnection *self = UB_ADB_CONNECTION (object);

  ub_adb_connection_close (self);
  g_clear_object (&self->transport);
  g_free (self->banner);
  g_hash_table_unref (self->streams);
  g_hash_table_unref (self->closed_ids);
  G_OBJECT_CLASS (ub_adb_connection_parent_class)->finalize (object);
}

static void
ub_adb_connection_class_init (UbAdbConnectionClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ub_adb_connection_finalize;
}

static void
ub_adb_connection_init (UbAdbConnection *self)
{
  self->next_local_id = 1;
  self->max_payload = UB_ADB_MAX_PAYLOAD;
  self->streams = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) stream_free);
  self->closed_ids = g_hash_table_new (NULL, NULL);
}

UbAdbConnection *
ub_adb_connection_new (UbTransport *transport)
{
  UbAdbConnection *self;

  g_return_val_if_fail (UB_IS_TRANSPORT (transport), NULL);
  self = g_object_new (UB_TYPE_ADB_CONNECTION, NULL);
  self->transport = g_object_ref (transport);
  return self;
}

UbTransport *
ub_adb_connection_get_transport (UbAdbConnection *self)
{
  g_return_val_if_fail (UB_IS_ADB_CONNECTION (self), NULL);
  return self->transport;
}

const char *
ub_adb_connection_get_banner (UbAdbConnection *self)
{
  g_return_val_if_fail (UB_IS_ADB_CONNECTION (self), NULL);
  return self->banner;
}

UbAdbBannerKind
ub_adb_connection_get_banner_kind (UbAdbConnection *self)
{
  g_return_val_if_fail (UB_IS_ADB_CONNECTION (self), UB_ADB_BANNER_UNKNOWN);
  return self->banner_kind;
}

guint32
ub_adb_connection_get_version (UbAdbConnection *self)
{
  g_return_val_if_fail (UB_IS_ADB_CONNECTION (self), 0);
  return self->version;
}

guint32
ub_adb_connection_get_max_payload (UbAdbConnection *self)
{
  g_return_val_if_fail (UB_IS_ADB_CONNECTION (self), 0);
  return self->max_payload;
}

/* ------------------------------------------------------------------ trace */

static void
trace (char          direction,
       guint32       command,
       guint32       arg0,
       guint32       arg1,
       const guint8 *data,
       gsize         len)
{
  char text[41];
  gsize n = 0;

  if (!g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, PROTOCOL_LOG_DOMAIN))
    {
      /* a short printable preview; block data stays out of the log */
      for (gsize i = 0; i < len && n < sizeof text - 1; i++)
        text[n++] = g_ascii_isprint (data[i]) ? (char) data[i] : '.';
      text[n] = '\0';
      g_log (PROTOCOL_LOG_DOMAIN, G_LOG_LEVEL_DEBUG, "%c %s %u %u [%zu] %s%s", direction,
             ub_adb_command_to_string (command), arg0, arg1, len, text,
             len > n ? "…" : "");
    }
}

/* ------------------------------------------------------------------ I/O */

static gboolean
check_usable (UbAdbConnection *self,
              GError         **error)
{
  if (self->transport == NULL || self->broken)
    {
      g_set_error_literal (error, UB_ADB_ERROR, UB_ADB_ERROR_CLOSED,
                           _("The connection to the phone is closed"));
      return FALSE;
    }
  return TRUE;
}

/* The transport's timeout in our domain; other errors pass through. */
static void
map_transport_error (GError **error,
                     GError  *local)
{
  if (g_error_matches (local, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_TIMEOUT))
    {
      g_set_error (error, UB_ADB_ERROR, UB_ADB_ERROR_TIMEOUT,
                   _("The phone did not answer in time (%s)"), local->message);
      g_error_free (local);
      return;
    }
  g_propagate_error (error, local);
}

static gboolean
send_packet (UbAdbConnection *self,
             guint32          command,
             guint32          arg0,
             guint32          arg1,
             const guint8    *data,
             gsize            len,
             GCancellable    *cancellable,
             GError         **error)
{
  guint8 header[UB_ADB_HEADER_SIZE];
  GError *local = NULL;

  if (!check_usable (self, error))
    return FALSE;
  /* CNXN goes before the device's version is known: always with a checksum */
  ub_adb_header_encode (command, arg0, arg1, data, (guint32) len,
                        command == UB_ADB_CMD_CNXN || self->check_checksum, header);
  trace ('>', command, arg0, arg1, data, len);
  /* header and payload as separate transfers, as AOSP's host */
  if (!ub_transport_write (self->transport, header, sizeof header, WRITE_STALL_MS,
                           cancellable, &local) ||
      (len > 0 && !ub_transport_write (self->transport, data, len, WRITE_STALL_MS,
                                       cancellable, &local)))
    {
      self->broken = TRUE;
      map_transport_error (error, local);
      return FALSE;
    }
  return TRUE;
}

/* Reads exactly @len bytes. *@started: whether any byte came (then a
 * timeout leaves the link out of sync). */
static gboolean
read_exact (UbAdbConnection *self,
            guint8          *buf,
            gsize            len,
            guint            timeout_ms,
            gboolean        *started,
            GCancellable    *cancellable,
            GError         **error)
{
  gsize done = 0;

  while (done < len)
    {
      GError *local = NULL;
      gssize n = ub_transport_read (self->transport, buf + done, len - done, timeout_ms,
                                    cancellable, &local);
      if (n < 0)
        {
          map_transport_error (error, local);
          return FALSE;
        }
      if (n > 0)
        *started = TRUE;
      done += n;
    }
  return TRUE;
}

/* The next packet from the link, checked. Any failure but a clean timeout or
 * a cancel before the first byte breaks the connection. */
static Packet *
receive_packet (UbAdbConnection *self,
                guint            timeout_ms,
                GCancellable    *cancellable,
                GError         **error)
{
  guint8 buf[UB_ADB_HEADER_SIZE];
  g_autofree guint8 *payload = NULL;
  UbAdbHeader h;
  gboolean started = FALSE;
  GError *local = NULL;
  Packet *p;

  if (!check_usable (self, error))
    return NULL;
  if (!read_exact (self, buf, sizeof buf, timeout_ms, &started, cancellable, &local))
    goto fail;
  started = TRUE;
  if (!ub_adb_header_decode (buf, UB_ADB_MAX_PAYLOAD, &h, &local))
    goto fail;
  if (h.data_length > 0)
    {
      payload = g_malloc (h.data_length);
      if (!read_exact (self, payload, h.data_length, timeout_ms, &started, cancellable, &local))
        goto fail;
    }
  /* the device's version decides: its CNXN carries it in arg0 */
  if ((h.command == UB_ADB_CMD_CNXN ? h.arg0 < UB_ADB_VERSION : self->check_checksum) &&
      !ub_adb_header_check_data (&h, payload, &local))
    goto fail;
  trace ('<', h.command, h.arg0, h.arg1, payload, h.data_length);

  p = g_new0 (Packet, 1);
  p->command = h.command;
  p->arg0 = h.arg0;
  p->arg1 = h.arg1;
  p->data = g_bytes_new_take (g_steal_pointer (&payload), h.data_length);
  return p;

fail:
  if (started || !(g_error_matches (local, UB_ADB_ERROR, UB_ADB_ERROR_TIMEOUT) ||
                   g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED)))
    self->broken = TRUE;
  g_propagate_error (error, local);
  return NULL;
}

#define ACCEPT_OKAY 1
#define ACCEPT_WRTE 2

static gboolean
packet_matches (const Packet *p,
                guint         accept)
{
  /* CLSE always ends a wait */
  if (p->command == UB_ADB_CMD_CLSE)
    return TRUE;
  return ((accept & ACCEPT_OKAY) && p->command == UB_ADB_CMD_OKAY) ||
         ((accept & ACCEPT_WRTE) && p->command == UB_ADB_CMD_WRTE);
}

static Packet *
take_queued (UbAdbConnection *self,
             Stream          *s,
             guint            accept)
{
  for (GList *l = s->queue.head; l != NULL; l = l->next)
    {
      Packet *p = l->data;

      if (packet_matches (p, accept))
        {
          g_queue_delete_link (&s->queue, l);
          self->n_queued--;
          self->queued_bytes -= g_bytes_get_size (p->data);
          return p;
        }
    }
  return NULL;
}

/* The next OKAY/WRTE (per @accept) or CLSE for stream @s: from its queue,
 * else from the link, queueing packets for other streams (and this one's
 * others) on the way. */
static Packet *
next_packet_for (UbAdbConnection *self,
                 Stream          *s,
                 guint            accept,
                 guint            timeout_ms,
                 GCancellable    *cancellable,
                 GError         **error)
{
  Packet *p = take_queued (self, s, accept);

  while (p == NULL)
    {
      Stream *target;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;
      p = receive_packet (self, timeout_ms, cancellable, error);
      if (p == NULL)
        return NULL;
      if (p->command == UB_ADB_CMD_AUTH || p->command == UB_ADB_CMD_CNXN ||
          p->command == UB_ADB_CMD_OPEN || p->command == UB_ADB_CMD_SYNC ||
          p->command == UB_ADB_CMD_STLS)
        {
          g_set_error (error, UB_ADB_ERROR, UB_ADB_ERROR_PROTOCOL,
                       _("The phone sent an unexpected %s packet during a transfer"),
                       ub_adb_command_to_string (p->command));
          packet_free (p);
          self->broken = TRUE;
          return NULL;
        }
      target = g_hash_table_lookup (self->streams, GUINT_TO_POINTER (p->arg1));
      if (target == NULL)
        {
          if (g_hash_table_contains (self->closed_ids, GUINT_TO_POINTER (p->arg1)))
            {
              /* late packets for a stream we closed: harmless */
              packet_free (p);
              p = NULL;
              continue;
            }
          g_set_error (error, UB_ADB_ERROR, UB_ADB_ERROR_PROTOCOL,
                       _("The phone sent a %s packet for stream %u, which is not open"),
                       ub_adb_command_to_string (p->command), p->arg1);
          packet_free (p);
          self->broken = TRUE;
          return NULL;
        }
      if (target->remote_id != 0 && p->command != UB_ADB_CMD_CLSE &&
          p->arg0 != target->remote_id)
        {
          g_set_error (error, UB_ADB_ERROR, UB_ADB_ERROR_PROTOCOL,
                       _("The phone sent a %s packet from stream %u where %u was expected"),
                       ub_adb_command_to_string (p->command), p->arg0, target->remote_id);
          packet_free (p);
          self->broken = TRUE;
          return NULL;
        }
      if (target == s && packet_matches (p, accept))
        break;
      if (self->n_queued >= MAX_QUEUED_PACKETS ||
          self->queued_bytes + g_bytes_get_size (p->data) > MAX_QUEUED_BYTES)
        {
          g_set_error_literal (error, UB_ADB_ERROR, UB_ADB_ERROR_PROTOCOL,
                               _("The phone sent too many packets nobody was waiting for"));
          packet_free (p);
          self->broken = TRUE;
          return NULL;
        }
      self->n_queued++;
      self->queued_bytes += g_bytes_get_size (p->data);
      g_queue_push_tail (&target->queue, p);
      p = NULL;
    }
  return p;
}

/* ------------------------------------------------------------------ connect */

gboolean
ub_adb_connection_connect (UbAdbConnection *self,
                           guint            timeout_ms,
                           GCancellable    *cancellable,
                           GError         **error)
{
  g_autoptr(GBytes) data = NULL;
  const guint8 *banner;
  gsize len;
  Packet *p = NULL;

  g_return_val_if_fail (UB_IS_ADB_CONNECTION (self), FALSE);

  /* the device's version is not known yet: CNXN carries a checksum */
  if (!send_packet (self, UB_ADB_CMD_CNXN, UB_ADB_VERSION, UB_ADB_MAX_PAYLOAD,
                    (const guint8 *) HOST_BANNER, sizeof HOST_BANNER, cancellable, error))
    return FALSE;

  for (;;)
    {
      p = receive_packet (self, timeout_ms, cancellable, error);
      if (p == NULL)
        return FALSE;
      if (p->command == UB_ADB_CMD_CNXN)
        break;
      if (p->command == UB_ADB_CMD_AUTH)
        {
          /* Unbrick never does adb key authentication */
          packet_free (p);
          self->broken = TRUE;
          g_set_error_literal (error, UB_ADB_ERROR, UB_ADB_ERROR_AUTH_REQUIRED,
                               _("The phone is started and asks for USB debugging "
                                 "authorisation. Unbrick works with the phone in recovery "
                                 "instead: power it off, hold Volume Up and Power until the "
                                 "recovery menu shows, then choose “Connect with MIAssistant” "
                                 "(on some phones under “Mi Assistant”). For fastboot, hold "
                                 "Volume Down and Power instead."));
          return FALSE;
        }
      /* AOSP ignores anything before CNXN; so do we */
      packet_free (p);
    }

  self->version = p->arg0;
  if (p->arg1 < UB_ADB_MIN_PAYLOAD)
    {
      g_set_error (error, UB_ADB_ERROR, UB_ADB_ERROR_PROTOCOL,
                   _("The phone announced an adb payload limit of %u bytes, too small"),
                   p->arg1);
      packet_free (p);
      self->broken = TRUE;
      return FALSE;
    }
  self->max_payload = MIN (p->arg1, UB_ADB_MAX_PAYLOAD);
  self->check_checksum = self->version < UB_ADB_VERSION;
  data = g_bytes_ref (p->data);
  packet_free (p);

  banner = g_bytes_get_data (data, &len);
  len = banner != NULL ? strnlen ((const char *) banner, len) : 0;
  g_free (self->banner);
  self->banner = g_utf8_make_valid ((const char *) (banner != NULL ? banner : (const guint8 *) ""),
                                    len);
  self->banner_kind = ub_adb_banner_kind (self->banner);
  self->connected = TRUE;
  g_debug ("connected: version 0x%08x, max payload %u, banner “%s”",
           self->version, self->max_payload, self->banner);
  return TRUE;
}

/* ------------------------------------------------------------------ streams */

static Stream *
lookup_stream (UbAdbConnection *self,
               guint32          local_id,
               GError         **error)
{
  Stream *s = g_hash_table_lookup (self->streams, GUINT_TO_POINTER (local_id));

  if (s == NULL)
    g_set_error (error, UB_ADB_ERROR, UB_ADB_ERROR_CLOSED,
                 _("The stream %u to the phone is not open"), local_id);
  return s;
}

static void
forget_stream (UbAdbConnection *self,
               Stream          *s)
{
  guint32 id = s->local_id;

  self->n_queued -= s->queue.length;
  for (GList *l = s->queue.head; l != NULL; l = l->next)
    self->queued_bytes -= g_bytes_get_size (((Packet *) l->data)->data);
  g_hash_table_add (self->closed_ids, GUINT_TO_POINTER (id));
  g_hash_table_remove (self->streams, GUINT_TO_POINTER (id));
}

guint32
ub_adb_connection_open (UbAdbConnection *self,
                        const char      *service,
                        guint            timeout_ms,
                        GCancellable    *cancellable,
                        GError         **error)
{
  Stream *s;
  Packet *p;
  guint32 id;

  g_return_val_if_fail (UB_IS_ADB_CONNECTION (self), 0);
  g_return_val_if_fail (service != NULL, 0);

  if (!self->connected)
    {
      g_set_error_literal (error, UB_ADB_ERROR, UB_ADB_ERROR_FAILED,
                           _("Not connected to the phone"));
      return 0;
    }
  if (strlen (service) + 1 > self->max_payload)
    {
      g_set_error_literal (error, UB_ADB_ERROR, UB_ADB_ERROR_FAILED,
                           _("The service name is too long"));
      return 0;
    }
  id = self->next_local_id++;
  if (self->next_local_id == 0)
    self->next_local_id = 1;
  s = g_new0 (Stream, 1);
  s->local_id = id;
  g_queue_init (&s->queue);
  g_hash_table_insert (self->streams, GUINT_TO_POINTER (id), s);

  if (!send_packet (self, UB_ADB_CMD_OPEN, id, 0, (const guint8 *) service,
                    strlen (service) + 1, cancellable, error))
    {
      forget_stream (self, s);
      return 0;
    }
  p = next_packet_for (self, s, ACCEPT_OKAY | ACCEPT_WRTE, timeout_ms, cancellable, error);
  if (p == NULL)
    {
      forget_stream (self, s);
      return 0;
    }
  if (p->command == UB_ADB_CMD_CLSE)
    {
      g_set_error (error, UB_ADB_ERROR, UB_ADB_ERROR_REFUSED,
                   _("The phone refused the service “%s”"), service);
      packet_free (p);
      forget_stream (self, s);
      return 0;
    }
  if (p->command != UB_ADB_CMD_OKAY || p->arg0 == 0)
    {
      g_set_error (error, UB_ADB_ERROR, UB_ADB_ERROR_PROTOCOL,
                   _("The phone answered the opening of “%s” with %s instead of OKAY"),
                   service, ub_adb_command_to_string (p->command));
      packet_free (p);
      forget_stream (self, s);
      self->broken = TRUE;
      return 0;
    }
  s->remote_id = p->arg0;
  packet_free (p);
  return id;
}

GBytes *
ub_adb_connection_read (UbAdbConnection *self,
                        guint32          local_id,
                        guint            timeout_ms,
                        GCancellable    *cancellable,
                        GError         **error)
{
  Stream *s;

  g_return_val_if_fail (UB_IS_ADB_CONNECTION (self), NULL);

  s = lookup_stream (self, local_id, error);
  if (s == NULL)
    return NULL;
  for (;;)
    {
      Packet *p;
      GBytes *data;

      if (s->device_closed)
        {
          g_set_error_literal (error, UB_ADB_ERROR, UB_ADB_ERROR_CLOSED,
                               _("The phone closed the stream"));
          return NULL;
        }
      p = next_packet_for (self, s, ACCEPT_WRTE, timeout_ms, cancellable, error);
      if (p == NULL)
        return NULL;
      if (p->command == UB_ADB_CMD_CLSE)
        {
          /* AOSP's host does not answer a CLSE with one */
          s->device_closed = TRUE;
          packet_free (p);
          continue;
        }
      if (!send_packet (self, UB_ADB_CMD_OKAY, local_id, s->remote_id, NULL, 0,
                        cancellable, error))
        {
          packet_free (p);
          return NULL;
        }
      data = g_steal_pointer (&p->data);
      packet_free (p);
      return data;
    }
}

gboolean
ub_adb_connection_write (UbAdbConnection *self,
                         guint32          local_id,
                         const guint8    *buf,
                         gsize            len,
                         guint            timeout_ms,
                         GCancellable    *cancellable,
                         GError         **error)
{
  Stream *s;
  gsize done = 0;

  g_return_val_if_fail (UB_IS_ADB_CONNECTION (self), FALSE);

  s = lookup_stream (self, local_id, error);
  if (s == NULL)
    return FALSE;
  while (done < len)
    {
      gsize piece = MIN (len - done, self->max_payload);
      Packet *p;

      if (s->device_closed)
        {
          g_set_error_literal (error, UB_ADB_ERROR, UB_ADB_ERROR_CLOSED,
                               _("The phone closed the stream"));
          return FALSE;
        }
      if (!send_packet (self, UB_ADB_CMD_WRTE, local_id, s->remote_id, buf + done, piece,
                        cancellable, error))
        return FALSE;
      p = next_packet_for (self, s, ACCEPT_OKAY, timeout_ms, cancellable, error);
      if (p == NULL)
        return FALSE;
      if (p->command == UB_ADB_CMD_CLSE)
        {
          s->device_closed = TRUE;
          packet_free (p);
          g_set_error_literal (error, UB_ADB_ERROR, UB_ADB_ERROR_CLOSED,
                               _("The phone closed the stream"));
          return FALSE;
        }
      packet_free (p);
      done += piece;
    }
  return TRUE;
}

void
ub_adb_connection_close_stream (UbAdbConnection *self,
                                guint32          local_id)
{
  Stream *s;

  g_return_if_fail (UB_IS_ADB_CONNECTION (self));

  s = g_hash_table_lookup (self->streams, GUINT_TO_POINTER (local_id));
  if (s == NULL)
    return;
  if (!s->device_closed && !self->broken && self->transport != NULL)
    {
      g_autoptr(GError) local = NULL;

      if (!send_packet (self, UB_ADB_CMD_CLSE, local_id, s->remote_id, NULL, 0, NULL, &local))
        g_debug ("closing stream %u: %s", local_id, local->message);
    }
  forget_stream (self, s);
}

GBytes *
ub_adb_connection_run_service (UbAdbConnection *self,
                               const char      *service,
                               gsize            max_bytes,
                               guint            timeout_ms,
                               GCancellable    *cancellable,
                               GError         **error)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  guint32 id;

  g_return_val_if_fail (UB_IS_ADB_CONNECTION (self), NULL);

  id = ub_adb_connection_open (self, service, timeout_ms, cancellable, error);
  if (id == 0)
    return NULL;
  for (;;)
    {
      GError *local = NULL;
      g_autoptr(GBytes) data = ub_adb_connection_read (self, id, timeout_ms, cancellable,
                                                       &local);
      gsize len;
      const guint8 *bytes;

      if (data == NULL)
        {
          ub_adb_connection_close_stream (self, id);
          if (g_error_matches (local, UB_ADB_ERROR, UB_ADB_ERROR_CLOSED))
            {
              g_error_free (local);
              break;
            }
          g_propagate_error (error, local);
          return NULL;
        }
      bytes = g_bytes_get_data (data, &len);
      if (out->len + len > max_bytes)
        {
          ub_adb_connection_close_stream (self, id);
          g_set_error (error, UB_ADB_ERROR, UB_ADB_ERROR_PROTOCOL,
                       _("The phone's answer to “%s” is longer than %zu bytes"),
                       service, max_bytes);
          return NULL;
        }
      g_byte_array_append (out, bytes, len);
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

void
ub_adb_connection_close (UbAdbConnection *self)
{
  g_return_if_fail (UB_IS_ADB_CONNECTION (self));

  if (self->transport != NULL)
    ub_transport_close (self->transport);
  self->broken = TRUE;
  self->connected = FALSE;
  g_hash_table_remove_all (self->streams);
  self->n_queued = 0;
  self->queued_bytes = 0;
}
