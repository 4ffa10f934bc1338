/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <string.h>

#include "ub-fastboot-client.h"
#include "ub-transport-open.h"
#include "ub-fastboot-error.h"
#include "ub-fastboot-protocol.h"
#include "ub-sparse-image.h"

struct _UbFastbootClient
{
  GObject      parent_instance;
  UbTransport *transport;
  guint        timeout_short;
  guint        timeout_long;
  guint        timeout_stall;
  gboolean     have_max_download;
  guint64      max_download;
  char        *last_flashed;   /* for errors the device reports one step late */
  gboolean     out_of_step;    /* a data phase was interrupted */
};

enum { SIGNAL_INFO, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (UbFastbootClient, ub_fastboot_client, G_TYPE_OBJECT)

/* The command/response trace: G_MESSAGES_DEBUG=Unbrick-Protocol shows it alone
 * (so does unbrick-cli -v). */
#define PROTOCOL_LOG_DOMAIN "Unbrick-Protocol"

#define DEFERRED_PREFIX "Error: Last flash failed"

static void
ub_fastboot_client_finalize (GObject *object)
{
  UbFastbootClient *self = UB_FASTBOOT_CLIENT (object);

  g_clear_object (&self->transport);
  g_free (self->last_flashed);
  G_OBJECT_CLASS (ub_fastboot_client_parent_class)->finalize (object);
}

static void
ub_fastboot_client_class_init (UbFastbootClientClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ub_fastboot_client_finalize;

  /**
   * UbFastbootClient::info:
   * @text: an INFO or TEXT line from the device, as sent
   *
   * Emitted on the thread running the command.
   */
  signals[SIGNAL_INFO] = g_signal_new ("info", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                       0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
ub_fastboot_client_init (UbFastbootClient *self)
{
  self->timeout_short = UB_FASTBOOT_TIMEOUT_SHORT;
  self->timeout_long = UB_FASTBOOT_TIMEOUT_LONG;
  self->timeout_stall = UB_FASTBOOT_TIMEOUT_STALL;
}

UbFastbootClient *
ub_fastboot_client_new (UbTransport *transport)
{
  UbFastbootClient *self;

  g_return_val_if_fail (UB_IS_TRANSPORT (transport), NULL);
  self = g_object_new (UB_TYPE_FASTBOOT_CLIENT, NULL);
  self->transport = g_object_ref (transport);
  return self;
}

UbTransport *
ub_fastboot_client_get_transport (UbFastbootClient *self)
{
  g_return_val_if_fail (UB_IS_FASTBOOT_CLIENT (self), NULL);
  return self->transport;
}

UbFastbootClient *
ub_fastboot_client_open (const char *address, GCancellable *cancellable, GError **error)
{
  g_autoptr(UbTransport) transport = ub_transport_open (address, cancellable, error);

  return transport != NULL ? ub_fastboot_client_new (transport) : NULL;
}

void
ub_fastboot_client_close (UbFastbootClient *self)
{
  g_return_if_fail (UB_IS_FASTBOOT_CLIENT (self));
  ub_transport_close (self->transport);
}

void
ub_fastboot_client_set_timeouts (UbFastbootClient *self,
                                 guint             short_ms,
                                 guint             long_ms,
                                 guint             stall_ms)
{
  g_return_if_fail (UB_IS_FASTBOOT_CLIENT (self));
  self->timeout_short = short_ms;
  self->timeout_long = long_ms;
  self->timeout_stall = stall_ms;
}

static gboolean
check_in_step (UbFastbootClient *self,
               GError          **error)
{
  if (!self->out_of_step)
    return TRUE;
  g_set_error_literal (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_PROTOCOL,
                       _("An earlier command to the phone did not finish; "
                         "unplug the phone and connect it again"));
  return FALSE;
}

static gboolean
send_command (UbFastbootClient *self,
              const char       *command,
              GCancellable     *cancellable,
              GError          **error)
{
  if (!check_in_step (self, error))
    return FALSE;
  if (!ub_fastboot_check_command (command, error))
    return FALSE;
  g_log (PROTOCOL_LOG_DOMAIN, G_LOG_LEVEL_DEBUG, "> %s", command);
  return ub_transport_write (self->transport, (const guint8 *) command, strlen (command),
                             self->timeout_short, cancellable, error);
}

static void
set_remote_error (UbFastbootClient *self,
                  const char       *command,
                  const char       *text,
                  GError          **error)
{
  g_autofree char *clean = g_strstrip (g_strdup (text));

  if (g_str_has_prefix (clean, DEFERRED_PREFIX))
    {
      if (self->last_flashed != NULL)
        g_set_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_DEFERRED,
                     /* TRANSLATORS: %s: a partition name (e.g. “boot_a”), then the
                      * phone's own message in English */
                     _("Writing “%s” failed on the phone: %s"), self->last_flashed, clean);
      else
        g_set_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_DEFERRED,
                     /* TRANSLATORS: %s: the phone's own message, in English */
                     _("The previous write failed on the phone: %s"), clean);
      return;
    }
  if (clean[0] == '\0')
    g_set_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_REMOTE,
                 /* TRANSLATORS: %s: a fastboot command (e.g. “flash:boot_a”), keep it */
                 _("The phone refused “%s” without a reason"), command);
  else
    g_set_error_literal (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_REMOTE, clean);
}

/* A phone that keeps sending INFO/TEXT and never finishes @command. */
static void
set_flood_error (UbFastbootClient *self,
                 const char       *command,
                 guint             timeout_ms,
                 guint             n_lines,
                 GError          **error)
{
  guint seconds = (timeout_ms * UB_FASTBOOT_MAX_WAIT_FACTOR + 999) / 1000;

  /* a late answer would be taken for the next command's */
  self->out_of_step = TRUE;
  if (n_lines > UB_FASTBOOT_MAX_INFO_LINES)
    g_set_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_PROTOCOL,
                 /* TRANSLATORS: %u: a number of lines; %s: a fastboot command
                  * (e.g. “getvar:all”), keep it */
                 _("The phone sent more than %u lines of text without finishing “%s”"),
                 UB_FASTBOOT_MAX_INFO_LINES, command);
  else
    g_set_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_TIMEOUT,
                 /* TRANSLATORS: %s: a fastboot command (e.g. “flash:boot_a”), keep it */
                 ngettext ("The phone kept sending text for %u second without finishing “%s”",
                           "The phone kept sending text for %u seconds without finishing “%s”",
                           seconds),
                 seconds, command);
}

/*
 * Reads responses until OKAY, FAIL or DATA. INFO/TEXT restart the deadline.
 * @info_lines, if given, collects INFO payloads instead of only signalling them.
 */
static gboolean
read_response (UbFastbootClient       *self,
               const char             *command,
               guint                   timeout_ms,
               UbFastbootResponseKind *kind,
               char                  **payload,
               GPtrArray              *info_lines,
               GCancellable           *cancellable,
               GError                **error)
{
  /* INFO/TEXT restart the deadline, but a phone that never stops talking
   * must not hold us (nor our memory) for ever */
  gint64 limit = g_get_monotonic_time () +
                 (gint64) timeout_ms * UB_FASTBOOT_MAX_WAIT_FACTOR * 1000;
  guint n_lines = 0;

  for (;;)
    {
      guint8 buf[UB_TRANSPORT_MAX_PACKET + 1];
      g_autofree char *text = NULL;
      UbFastbootResponseKind k;
      gint64 left_ms = (limit - g_get_monotonic_time ()) / 1000;
      g_autoptr(GError) local = NULL;
      gssize n;

      if (n_lines > UB_FASTBOOT_MAX_INFO_LINES || left_ms <= 0)
        {
          set_flood_error (self, command, timeout_ms, n_lines, error);
          return FALSE;
        }
      n = ub_transport_read (self->transport, buf, UB_TRANSPORT_MAX_PACKET,
                             (guint) MIN ((gint64) timeout_ms, left_ms), cancellable, &local);
      if (n < 0 && left_ms < timeout_ms &&
          g_error_matches (local, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_TIMEOUT))
        {
          /* the wait was cut short by the limit, not by the phone's silence */
          g_clear_error (&local);
          set_flood_error (self, command, timeout_ms, n_lines, error);
          return FALSE;
        }
      if (local != NULL)
        g_propagate_error (error, g_steal_pointer (&local));
      if (n < 0)
        {
          /* a late answer would be taken for the next command's */
          self->out_of_step = TRUE;
          if (error != NULL && *error != NULL &&
              g_error_matches (*error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_TIMEOUT))
            /* TRANSLATORS: put before an error: %s is the fastboot command that
             * failed (e.g. “getvar:product”) */
            g_prefix_error (error, _("“%s”: "), command);
          return FALSE;
        }
      if (!ub_fastboot_parse_response (buf, n, &k, &text, error))
        {
          self->out_of_step = TRUE;
          return FALSE;
        }
      g_log (PROTOCOL_LOG_DOMAIN, G_LOG_LEVEL_DEBUG, "< %.4s%s", (const char *) buf, text);
      if (k == UB_FASTBOOT_RESPONSE_INFO || k == UB_FASTBOOT_RESPONSE_TEXT)
        {
          n_lines++;
          if (info_lines != NULL && k == UB_FASTBOOT_RESPONSE_INFO)
            g_ptr_array_add (info_lines, g_strdup (text));
          g_signal_emit (self, signals[SIGNAL_INFO], 0, text);
          continue;
        }
      if (k == UB_FASTBOOT_RESPONSE_FAIL)
        {
          set_remote_error (self, command, text, error);
          return FALSE;
        }
      *kind = k;
      *payload = g_steal_pointer (&text);
      return TRUE;
    }
}

static gboolean
command_full (UbFastbootClient *self,
              const char       *command,
              guint             timeout_ms,
              char            **value,
              GPtrArray        *info_lines,
              GCancellable     *cancellable,
              GError          **error)
{
  UbFastbootResponseKind kind;
  g_autofree char *payload = NULL;

  if (!send_command (self, command, cancellable, error))
    return FALSE;
  if (!read_response (self, command, timeout_ms, &kind, &payload, info_lines,
                      cancellable, error))
    return FALSE;
  if (kind != UB_FASTBOOT_RESPONSE_OKAY)
    {
      /* a DATA answer to a command without data: the link is now confused */
      self->out_of_step = TRUE;
      g_set_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_PROTOCOL,
                   /* TRANSLATORS: %s: a fastboot command, do not translate it */
                   _("The phone answered “%s” with an unexpected data request"), command);
      return FALSE;
    }
  if (value != NULL)
    *value = g_steal_pointer (&payload);
  return TRUE;
}

gboolean
ub_fastboot_client_command (UbFastbootClient *self,
                            const char       *command,
                            guint             timeout_ms,
                            char            **value,
                            GCancellable     *cancellable,
                            GError          **error)
{
  g_return_val_if_fail (UB_IS_FASTBOOT_CLIENT (self), FALSE);
  return command_full (self, command, timeout_ms ? timeout_ms : self->timeout_long,
                       value, NULL, cancellable, error);
}

char *
ub_fastboot_client_getvar (UbFastbootClient *self,
                           const char       *name,
                           GCancellable     *cancellable,
                           GError          **error)
{
  g_autofree char *command = g_strdup_printf ("getvar:%s", name);
  char *value = NULL;

  g_return_val_if_fail (UB_IS_FASTBOOT_CLIENT (self), NULL);
  if (!command_full (self, command, self->timeout_short, &value, NULL, cancellable, error))
    return NULL;
  return value;
}

GStrv
ub_fastboot_client_getvar_all (UbFastbootClient *self,
                               GCancellable     *cancellable,
                               GError          **error)
{
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);

  g_return_val_if_fail (UB_IS_FASTBOOT_CLIENT (self), NULL);
  if (!command_full (self, "getvar:all", self->timeout_long, NULL, lines, cancellable, error))
    return NULL;
  g_ptr_array_add (lines, NULL);
  return (GStrv) g_ptr_array_free (g_steal_pointer (&lines), FALSE);
}

guint64
ub_fastboot_client_get_max_download_size (UbFastbootClient *self,
                                          GCancellable     *cancellable,
                                          GError          **error)
{
  g_autoptr(GError) local = NULL;
  g_autofree char *value = NULL;

  g_return_val_if_fail (UB_IS_FASTBOOT_CLIENT (self), 0);
  if (self->have_max_download)
    return self->max_download;

  value = ub_fastboot_client_getvar (self, "max-download-size", cancellable, &local);
  if (value == NULL)
    {
      if (!g_error_matches (local, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_REMOTE))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return 0;
        }
      /* not reported: like AOSP, send images unsplit */
      self->max_download = 0;
    }
  else if (!ub_fastboot_parse_number (value, FALSE, &self->max_download, error))
    {
      g_prefix_error (error, "max-download-size: ");
      return 0;
    }
  self->have_max_download = TRUE;
  return self->max_download;
}

char *
ub_fastboot_client_resolve_partition (UbFastbootClient *self,
                                      const char       *name,
                                      GCancellable     *cancellable,
                                      GError          **error)
{
  g_autofree char *query = NULL;
  g_autofree char *has_slot = NULL;
  g_autofree char *current = NULL;
  g_autofree char *slot = NULL;
  g_autoptr(GError) local = NULL;

  g_return_val_if_fail (UB_IS_FASTBOOT_CLIENT (self), NULL);
  if (ub_fastboot_partition_has_suffix (name))
    return g_strdup (name);

  query = g_strdup_printf ("has-slot:%s", name);
  has_slot = ub_fastboot_client_getvar (self, query, cancellable, &local);
  if (has_slot == NULL)
    {
      if (g_error_matches (local, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_REMOTE))
        return g_strdup (name);  /* AOSP: a failed has-slot means "no" */
      g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  g_strstrip (has_slot);
  if (g_strcmp0 (has_slot, "yes") != 0)
    return g_strdup (name);

  current = ub_fastboot_client_getvar (self, "current-slot", cancellable, error);
  if (current == NULL)
    return NULL;
  slot = ub_fastboot_normalize_slot (current);
  if (slot == NULL)
    {
      g_set_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_PROTOCOL,
                   /* TRANSLATORS: %s: a partition name; slots are the phone's two copies
                    * of its system, A and B */
                   _("The phone says “%s” has slots but reports no current slot"), name);
      return NULL;
    }
  return g_strdup_printf ("%s_%s", name, slot);
}

gboolean
ub_fastboot_client_download (UbFastbootClient       *self,
                             GInputStream           *stream,
                             guint64                 size,
                             UbTransportProgressFunc progress,
                             gpointer                progress_data,
                             GCancellable           *cancellable,
                             GError                **error)
{
  g_autofree char *command = NULL;
  g_autofree char *payload = NULL;
  UbFastbootResponseKind kind;
  guint32 asked;

  g_return_val_if_fail (UB_IS_FASTBOOT_CLIENT (self), FALSE);
  if (size == 0 || size > G_MAXUINT32)
    {
      g_set_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_INVALID_ARGUMENT,
                   _("Cannot send %" PRIu64 " bytes in one download"), size);
      return FALSE;
    }
  command = g_strdup_printf ("download:%08x", (guint32) size);
  if (!send_command (self, command, cancellable, error))
    return FALSE;
  if (!read_response (self, command, self->timeout_long, &kind, &payload, NULL,
                      cancellable, error))
    return FALSE;
  if (kind != UB_FASTBOOT_RESPONSE_DATA)
    {
      g_set_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_PROTOCOL,
                   /* TRANSLATORS: %s: a fastboot command (e.g. “download:00001000”) */
                   _("The phone accepted “%s” without asking for the data"), command);
      return FALSE;
    }
  if (!ub_fastboot_parse_data_size (payload, &asked, error))
    {
      self->out_of_step = TRUE;
      return FALSE;
    }
  if (asked != size)
    {
      /* the phone would read our surplus as commands or wait forever */
      self->out_of_step = TRUE;
      g_set_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_PROTOCOL,
                   /* TRANSLATORS: the first number is what the phone asked for, the
                    * second what Unbrick announced it would send */
                   _("The phone asked for %u bytes instead of the %" PRIu64
                     " announced; nothing was sent"), asked, size);
      return FALSE;
    }
  if (!ub_transport_write_stream (self->transport, stream, size, self->timeout_stall,
                                  progress, progress_data, cancellable, error))
    {
      self->out_of_step = TRUE;
      return FALSE;
    }
  g_clear_pointer (&payload, g_free);
  if (!read_response (self, command, self->timeout_long, &kind, &payload, NULL,
                      cancellable, error))
    return FALSE;
  if (kind != UB_FASTBOOT_RESPONSE_OKAY)
    {
      self->out_of_step = TRUE;
      g_set_error_literal (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_PROTOCOL,
                           _("The phone asked for more data after the download"));
      return FALSE;
    }
  return TRUE;
}

typedef struct {
  UbFastbootClient      *self;
  UbFastbootProgressFunc func;
  gpointer               data;
  UbFastbootProgress     state;
  guint64                base;  /* bytes of the pieces already sent */
} FlashProgress;

static void
flash_progress_cb (guint64  done,
                   gpointer user_data)
{
  FlashProgress *fp = user_data;

  fp->state.done = fp->base + done;
  if (fp->func != NULL)
    fp->func (&fp->state, fp->data);
}

static gboolean
check_fits_partition (UbFastbootClient *self,
                      const char       *partition,
                      UbSparseImage    *image,
                      GCancellable     *cancellable,
                      GError          **error)
{
  g_autofree char *query = g_strdup_printf ("partition-size:%s", partition);
  g_autofree char *value = NULL;
  g_autoptr(GError) local = NULL;
  guint64 part_size;
  guint64 image_size = ub_sparse_image_get_expanded_size (image);

  value = ub_fastboot_client_getvar (self, query, cancellable, &local);
  if (value == NULL)
    {
      if (g_error_matches (local, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_REMOTE))
        return TRUE;  /* not reported (e.g. Xiaomi _ab aliases): the phone checks */
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (!ub_fastboot_parse_number (value, TRUE, &part_size, NULL))
    return TRUE;
  if (image_size > part_size)
    {
      g_set_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_INVALID_IMAGE,
                   /* TRANSLATORS: %s: a partition name; then the image's size and the
                    * partition's size, in bytes */
                   _("The image for “%s” needs %" PRIu64 " bytes but the partition "
                     "holds only %" PRIu64 "; nothing was written"),
                   partition, image_size, part_size);
      return FALSE;
    }
  return TRUE;
}

gboolean
ub_fastboot_client_flash (UbFastbootClient      *self,
                          const char            *partition,
                          const char            *path,
                          UbFastbootProgressFunc progress,
                          gpointer               progress_data,
                          GCancellable          *cancellable,
                          GError               **error)
{
  g_autoptr(UbSparseImage) image = NULL;

  g_return_val_if_fail (UB_IS_FASTBOOT_CLIENT (self), FALSE);
  image = ub_sparse_image_new_from_path (path, error);
  if (image == NULL)
    return FALSE;
  return ub_fastboot_client_flash_image (self, partition, image, progress, progress_data, NULL,
                                         cancellable, error);
}

gboolean
ub_fastboot_client_flash_image (UbFastbootClient      *self,
                                const char            *partition,
                                UbSparseImage         *image,
                                UbFastbootProgressFunc progress,
                                gpointer               progress_data,
                                GCancellable          *stop_between_pieces,
                                GCancellable          *cancellable,
                                GError               **error)
{
  g_autofree char *resolved = NULL;
  g_autofree char *flash_cmd = NULL;
  FlashProgress fp = { self, progress, progress_data, { 0 }, 0 };
  g_autoptr(GError) local = NULL;
  guint64 limit;
  guint n_pieces;

  g_return_val_if_fail (UB_IS_FASTBOOT_CLIENT (self), FALSE);
  g_return_val_if_fail (UB_IS_SPARSE_IMAGE (image), FALSE);

  resolved = ub_fastboot_client_resolve_partition (self, partition, cancellable, error);
  if (resolved == NULL)
    return FALSE;
  flash_cmd = g_strdup_printf ("flash:%s", resolved);
  if (!ub_fastboot_check_command (flash_cmd, error))
    return FALSE;
  if (!check_fits_partition (self, resolved, image, cancellable, error))
    return FALSE;
  limit = ub_fastboot_client_get_max_download_size (self, cancellable, &local);
  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (!ub_sparse_image_split (image, limit, cancellable, error))
    return FALSE;

  n_pieces = ub_sparse_image_get_n_pieces (image);
  fp.state.partition = resolved;
  fp.state.n_pieces = n_pieces;
  for (guint i = 0; i < n_pieces; i++)
    fp.state.total += ub_sparse_image_get_piece_size (image, i);

  for (guint i = 0; i < n_pieces; i++)
    {
      g_autoptr(GInputStream) stream = NULL;
      guint64 piece_size = ub_sparse_image_get_piece_size (image, i);

      if (i > 0 && g_cancellable_set_error_if_cancelled (stop_between_pieces, error))
        return FALSE;
      fp.state.piece = i + 1;
      stream = ub_sparse_image_open_piece (image, i, error);
      if (stream == NULL)
        return FALSE;
      if (!ub_fastboot_client_download (self, stream, piece_size, flash_progress_cb, &fp,
                                        cancellable, error))
        {
          /* TRANSLATORS: put before an error: %s is a partition name, then “piece
           * number/number of pieces” (big images are sent in pieces) */
          g_prefix_error (error, _("Sending “%s” (%u/%u): "), resolved, i + 1, n_pieces);
          return FALSE;
        }
      fp.base += piece_size;
      if (!command_full (self, flash_cmd, self->timeout_long, NULL, NULL, cancellable, error))
        {
          /* TRANSLATORS: put before an error: %s is a partition name, then “piece
           * number/number of pieces” */
          g_prefix_error (error, _("Writing “%s” (%u/%u): "), resolved, i + 1, n_pieces);
          return FALSE;
        }
      g_free (self->last_flashed);
      self->last_flashed = g_strdup (resolved);
    }
  return TRUE;
}

gboolean
ub_fastboot_client_erase (UbFastbootClient *self,
                          const char       *partition,
                          GCancellable     *cancellable,
                          GError          **error)
{
  g_autofree char *resolved = NULL;
  g_autofree char *command = NULL;

  g_return_val_if_fail (UB_IS_FASTBOOT_CLIENT (self), FALSE);
  resolved = ub_fastboot_client_resolve_partition (self, partition, cancellable, error);
  if (resolved == NULL)
    return FALSE;
  command = g_strdup_printf ("erase:%s", resolved);
  if (!command_full (self, command, self->timeout_long, NULL, NULL, cancellable, error))
    {
      /* TRANSLATORS: put before an error: %s is a partition name */
      g_prefix_error (error, _("Erasing “%s”: "), resolved);
      return FALSE;
    }
  return TRUE;
}

gboolean
ub_fastboot_client_set_active (UbFastbootClient *self,
                               const char       *slot,
                               GCancellable     *cancellable,
                               GError          **error)
{
  g_autofree char *letter = ub_fastboot_normalize_slot (slot);
  g_autofree char *command = NULL;

  g_return_val_if_fail (UB_IS_FASTBOOT_CLIENT (self), FALSE);
  if (letter == NULL || strlen (letter) != 1 || !g_ascii_islower (letter[0]))
    {
      g_set_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_INVALID_ARGUMENT,
                   /* TRANSLATORS: slots are the phone's two system copies; keep “a” and
                    * “b” as they are */
                   _("“%s” is not a slot name (use a or b)"), slot ? slot : "");
      return FALSE;
    }
  command = g_strdup_printf ("set_active:%s", letter);
  return command_full (self, command, self->timeout_short, NULL, NULL, cancellable, error);
}

gboolean
ub_fastboot_client_reboot (UbFastbootClient *self,
                           const char       *target,
                           GCancellable     *cancellable,
                           GError          **error)
{
  g_autofree char *command = NULL;

  g_return_val_if_fail (UB_IS_FASTBOOT_CLIENT (self), FALSE);
  if (target == NULL || g_str_equal (target, "system") || target[0] == '\0')
    command = g_strdup ("reboot");
  else if (g_str_equal (target, "bootloader") || g_str_equal (target, "fastboot") ||
           g_str_equal (target, "recovery"))
    command = g_strdup_printf ("reboot-%s", target);
  else
    {
      g_set_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_INVALID_ARGUMENT,
                   /* TRANSLATORS: keep system, bootloader, fastboot and recovery in
                    * English: they are the words to type */
                   _("Unknown reboot target “%s” (use system, bootloader, fastboot or "
                     "recovery)"),
                   target);
      return FALSE;
    }
  if (!command_full (self, command, self->timeout_short, NULL, NULL, cancellable, error))
    return FALSE;
  /* the phone drops off the bus now; limits differ after the reboot */
  self->have_max_download = FALSE;
  ub_transport_close (self->transport);
  return TRUE;
}

gboolean
ub_fastboot_client_boot (UbFastbootClient *self,
                         GCancellable     *cancellable,
                         GError          **error)
{
  g_return_val_if_fail (UB_IS_FASTBOOT_CLIENT (self), FALSE);
  if (!command_full (self, "boot", self->timeout_short, NULL, NULL, cancellable, error))
    return FALSE;
  /* the phone runs the image now; what it answers after OKAY does not matter */
  self->have_max_download = FALSE;
  ub_transport_close (self->transport);
  return TRUE;
}

gboolean
ub_fastboot_client_oem (UbFastbootClient *self,
                        const char       *args,
                        char            **value,
                        GCancellable     *cancellable,
                        GError          **error)
{
  g_autofree char *command = g_strdup_printf ("oem %s", args);

  g_return_val_if_fail (UB_IS_FASTBOOT_CLIENT (self), FALSE);
  return command_full (self, command, self->timeout_long, value, NULL, cancellable, error);
}

gboolean
ub_fastboot_client_flashing (UbFastbootClient *self,
                             const char       *action,
                             GCancellable     *cancellable,
                             GError          **error)
{
  static const char *const actions[] = {
    "lock", "unlock", "lock_critical", "unlock_critical", "get_unlock_ability", NULL
  };
  g_autofree char *command = NULL;

  g_return_val_if_fail (UB_IS_FASTBOOT_CLIENT (self), FALSE);
  if (action == NULL || !g_strv_contains (actions, action))
    {
      g_set_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_INVALID_ARGUMENT,
                   /* TRANSLATORS: %s: what follows “flashing” in a fastboot command,
                    * e.g. “unlock” */
                   _("Unknown flashing action “%s”"), action ? action : "");
      return FALSE;
    }
  command = g_strdup_printf ("flashing %s", action);
  return command_full (self, command, self->timeout_long, NULL, NULL, cancellable, error);
}
