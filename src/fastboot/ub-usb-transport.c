/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <libusb.h>
#include <string.h>

#include "ub-fastboot-error.h"
#include "ub-usb-private.h"
#include "ub-usb-transport.h"

/* GIO's own words for a cancelled operation, in GLib's translation */
#define CANCELLED_MESSAGE g_dgettext ("glib20", "Operation was cancelled")

/*
 * Design notes
 *
 * - One libusb context for the process. Whoever waits for a transfer drives
 *   events itself with libusb_handle_events_timeout_completed(): libusb lets
 *   one thread handle events while the others wait for it, so several
 *   transports can run in parallel threads. A transfer callback may thus run
 *   on *another* transport's thread; all state it touches is under a mutex.
 * - Writes: UB_USB_TRANSFERS_IN_FLIGHT slots of up to transfer_size bytes.
 *   Slots are submitted strictly in stream order; while some are on the wire
 *   the writing thread fills the next free slot (from the caller's buffer or
 *   the input stream). LIBUSB_ERROR_NO_MEM halves transfer_size (down to
 *   UB_USB_MIN_TRANSFER_SIZE) like AOSP. No zero-length packet is ever sent.
 * - Transfers are never freed while submitted: on error/cancel/stall every
 *   outstanding transfer is cancelled and reaped first. If they do not come
 *   back (should not happen), their memory is leaked on purpose and the
 *   transport refuses further I/O.
 */

#define EVENT_TICK_MS      250
#define REAP_DEADLINE_MS   10000
#define DRAIN_TIMEOUT_MS   50
#define DRAIN_MAX_PACKETS  16

typedef enum {
  OP_OPEN,
  OP_READ,
  OP_WRITE,
} UbUsbOp;

struct _UbUsbTransport
{
  GObject parent_instance;

  libusb_device_handle *handle;   /* NULL once closed */
  int interface_number;
  guint8 ep_in;
  guint8 ep_out;
  guint16 max_packet_in;
  guint16 max_packet_out;
  gboolean zlp;                   /* adb: ZLP after a write of a multiple of max_packet_out */
  guint8 bus;
  guint8 address;
  guint16 vendor_id;
  guint16 product_id;
  char *serial;
  char *path;                     /* "usb:1-4.2" */
  gsize transfer_size;
  gboolean gone;                  /* device disappeared */
  gboolean broken;                /* transfers could not be reaped */
};

static void ub_usb_transport_iface_init (UbTransportInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (UbUsbTransport, ub_usb_transport, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (UB_TYPE_TRANSPORT,
                                                      ub_usb_transport_iface_init))

/* ------------------------------------------------------------------ context */

static libusb_context *
ub_usb_context (GError **error)
{
  static gsize once = 0;
  static libusb_context *ctx = NULL;
  static int init_result = 0;

  if (g_once_init_enter (&once))
    {
      init_result = libusb_init (&ctx);
      g_once_init_leave (&once, 1);
    }
  if (init_result != 0)
    {
      g_set_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_IO,
                   /* TRANSLATORS: %s: libusb's reason, in English */
                   _("Cannot use USB: %s"), libusb_strerror (init_result));
      return NULL;
    }
  return ctx;
}

/* ------------------------------------------------------------------ errors */

static int
status_to_libusb_error (enum libusb_transfer_status status)
{
  switch (status)
    {
    case LIBUSB_TRANSFER_COMPLETED:
      return LIBUSB_SUCCESS;
    case LIBUSB_TRANSFER_TIMED_OUT:
      return LIBUSB_ERROR_TIMEOUT;
    case LIBUSB_TRANSFER_CANCELLED:
      return LIBUSB_ERROR_INTERRUPTED;
    case LIBUSB_TRANSFER_STALL:
      return LIBUSB_ERROR_PIPE;
    case LIBUSB_TRANSFER_NO_DEVICE:
      return LIBUSB_ERROR_NO_DEVICE;
    case LIBUSB_TRANSFER_OVERFLOW:
      return LIBUSB_ERROR_OVERFLOW;
    case LIBUSB_TRANSFER_ERROR:
    default:
      return LIBUSB_ERROR_IO;
    }
}

/*
 * The one place that turns a libusb error into a UB_FASTBOOT_ERROR with a
 * message a user can act on. @path may be NULL.
 */
static void
set_usb_error (GError    **error,
               int         code,
               UbUsbOp     op,
               const char *path)
{
  const char *where = path != NULL ? path : "";

  switch (code)
    {
    case LIBUSB_ERROR_ACCESS:
      g_set_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_PERMISSION,
                   /* TRANSLATORS: %s: the USB port's path (e.g. “1-2.3”); a udev rule is a
                    * small system file that lets a user use a device */
                   _("Permission denied for the USB device %s — install the udev rule "
                     "that gives your user access to phones, then unplug and replug the phone"),
                   where);
      break;
    case LIBUSB_ERROR_BUSY:
      g_set_error_literal (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_BUSY,
                           /* TRANSLATORS: adb, ModemManager and fwupd are program names */
                           _("Another program is using the phone (an adb server, "
                             "ModemManager, fwupd?)"));
      break;
    case LIBUSB_ERROR_NO_DEVICE:
      g_set_error_literal (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_NO_DEVICE,
                           _("The phone was unplugged"));
      break;
    case LIBUSB_ERROR_NOT_FOUND:
      g_set_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_NOT_FOUND,
                   /* TRANSLATORS: %s: the USB port's path (e.g. “1-2.3”) */
                   _("The USB device %s has no usable fastboot interface"), where);
      break;
    case LIBUSB_ERROR_TIMEOUT:
      if (op == OP_WRITE)
        g_set_error_literal (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_TIMEOUT,
                             _("The phone stopped accepting data — check the cable or "
                               "try another USB port"));
      else
        g_set_error_literal (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_TIMEOUT,
                             _("The phone did not answer in time"));
      break;
    case LIBUSB_ERROR_PIPE:
      g_set_error_literal (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_IO,
                           _("The phone refused the USB transfer (endpoint stalled)"));
      break;
    case LIBUSB_ERROR_OVERFLOW:
      g_set_error_literal (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_PROTOCOL,
                           _("The phone sent more data than expected"));
      break;
    case LIBUSB_ERROR_NO_MEM:
      g_set_error_literal (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_IO,
                           _("Not enough memory for USB transfers"));
      break;
    case LIBUSB_ERROR_INTERRUPTED:
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, CANCELLED_MESSAGE);
      break;
    default:
      g_set_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_IO,
                   /* TRANSLATORS: %s: the USB port's path (e.g. “1-2.3”), then libusb's
                    * reason in English */
                   _("USB error on %s: %s"), where, libusb_strerror (code));
      break;
    }
}

/* ------------------------------------------------------------------ listing */

static gint
compare_info_path (gconstpointer a,
                   gconstpointer b)
{
  UbUsbDeviceInfo *ia = *(UbUsbDeviceInfo **) a;
  UbUsbDeviceInfo *ib = *(UbUsbDeviceInfo **) b;

  return g_strcmp0 (ub_usb_device_info_get_path (ia), ub_usb_device_info_get_path (ib));
}

GPtrArray *
ub_usb_transport_list_devices (GError **error)
{
  libusb_context *ctx = ub_usb_context (error);
  libusb_device **list = NULL;
  GPtrArray *result;
  ssize_t n;

  if (ctx == NULL)
    return NULL;
  n = libusb_get_device_list (ctx, &list);
  if (n < 0)
    {
      set_usb_error (error, (int) n, OP_OPEN, NULL);
      return NULL;
    }

  result = g_ptr_array_new_with_free_func (g_object_unref);
  for (ssize_t i = 0; i < n; i++)
    {
      UbUsbDeviceInfo *info = ub_usb_classify_device (list[i]);

      if (info != NULL)
        g_ptr_array_add (result, info);
    }
  libusb_free_device_list (list, 1);
  g_ptr_array_sort (result, compare_info_path);
  return result;
}

/* ------------------------------------------------------------------ event loop helpers */

static void
on_cancelled (GCancellable *cancellable,
              gpointer      user_data)
{
  /* Wakes whichever thread is handling events; waiters are woken when it
   * releases the event lock, and then look at their cancellable. */
  libusb_interrupt_event_handler (user_data);
}

/* Handles events for at most @timeout_ms or until *@flag is set. */
static void
handle_events (libusb_context *ctx,
               guint           timeout_ms,
               int            *flag)
{
  struct timeval tv = {
    .tv_sec = timeout_ms / 1000,
    .tv_usec = (timeout_ms % 1000) * 1000,
  };
  int r = libusb_handle_events_timeout_completed (ctx, &tv, flag);

  if (r != 0 && r != LIBUSB_ERROR_INTERRUPTED && r != LIBUSB_ERROR_TIMEOUT)
    g_debug ("libusb_handle_events: %s", libusb_strerror (r));
}

static gboolean
check_usable (UbUsbTransport *self,
              GError        **error)
{
  if (self->handle == NULL || self->gone)
    {
      g_set_error_literal (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_NO_DEVICE,
                           self->gone ? _("The phone was unplugged")
                                      : _("The USB connection was closed"));
      return FALSE;
    }
  if (self->broken)
    {
      g_set_error_literal (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_IO,
                           _("The USB connection is in an unknown state — unplug and "
                             "replug the phone"));
      return FALSE;
    }
  return TRUE;
}

/* ------------------------------------------------------------------ reads */

typedef struct {
  struct libusb_transfer *xfer;
  guint8 *buf;
  int done;                           /* set by the callback (any thread) */
  GMutex lock;
  enum libusb_transfer_status status;
  int actual;
} ReadOp;

static void LIBUSB_CALL
read_done_cb (struct libusb_transfer *xfer)
{
  ReadOp *op = xfer->user_data;

  g_mutex_lock (&op->lock);
  op->status = xfer->status;
  op->actual = xfer->actual_length;
  op->done = 1;
  g_mutex_unlock (&op->lock);
}

static gboolean
read_op_done (ReadOp *op)
{
  gboolean done;

  g_mutex_lock (&op->lock);
  done = op->done;
  g_mutex_unlock (&op->lock);
  return done;
}

static void
read_op_free (ReadOp *op)
{
  libusb_free_transfer (op->xfer);
  g_free (op->buf);
  g_mutex_clear (&op->lock);
  g_free (op);
}

/*
 * One bulk IN transfer of a multiple of wMaxPacketSize into a private buffer
 * (so an unreaped transfer can never write into caller memory).
 */
static gssize
usb_read (UbUsbTransport *self,
          guint8         *buf,
          gsize           len,
          guint           timeout_ms,
          GCancellable   *cancellable,
          GError        **error)
{
  libusb_context *ctx = ub_usb_context (NULL);
  guint mps = MAX (self->max_packet_in, 1);
  gsize xfer_len = MAX (len, UB_USB_MIN_READ_SIZE);
  ReadOp *op;
  gulong cancel_id = 0;
  gboolean cancel_sent = FALSE;
  gint64 deadline;
  gssize ret = -1;
  int r;

  if (!check_usable (self, error))
    return -1;
  /* big reads (uploads) come in pieces; the caller loops */
  xfer_len = MIN (xfer_len, UB_USB_TRANSFER_SIZE);
  xfer_len = (xfer_len + mps - 1) / mps * mps;

  op = g_new0 (ReadOp, 1);
  g_mutex_init (&op->lock);
  op->buf = g_malloc (xfer_len);
  op->xfer = libusb_alloc_transfer (0);
  libusb_fill_bulk_transfer (op->xfer, self->handle, self->ep_in, op->buf, (int) xfer_len,
                             read_done_cb, op, timeout_ms);
  r = libusb_submit_transfer (op->xfer);
  if (r != 0)
    {
      if (r == LIBUSB_ERROR_NO_DEVICE)
        self->gone = TRUE;
      set_usb_error (error, r, OP_READ, self->path);
      read_op_free (op);
      return -1;
    }

  if (cancellable != NULL)
    cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (on_cancelled), ctx, NULL);

  deadline = 0;
  while (!read_op_done (op))
    {
      if (!cancel_sent && g_cancellable_is_cancelled (cancellable))
        {
          libusb_cancel_transfer (op->xfer);
          cancel_sent = TRUE;
          deadline = g_get_monotonic_time () + REAP_DEADLINE_MS * G_TIME_SPAN_MILLISECOND;
        }
      if (cancel_sent && g_get_monotonic_time () > deadline)
        break;
      handle_events (ctx, EVENT_TICK_MS, &op->done);
    }
  g_cancellable_disconnect (cancellable, cancel_id);

  if (!read_op_done (op))
    {
      g_warning ("USB read on %s was not reaped after cancelling; leaking it", self->path);
      self->broken = TRUE;
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, CANCELLED_MESSAGE);
      return -1;
    }

  if (op->status == LIBUSB_TRANSFER_COMPLETED ||
      (op->status == LIBUSB_TRANSFER_TIMED_OUT && op->actual > 0) ||
      (op->status == LIBUSB_TRANSFER_CANCELLED && op->actual > 0))
    {
      if ((gsize) op->actual > len)
        {
          g_set_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_PROTOCOL,
                       _("The phone sent %d bytes where at most %zu were expected"),
                       op->actual, len);
        }
      else
        {
          memcpy (buf, op->buf, op->actual);
          ret = op->actual;
        }
    }
  else if (cancel_sent)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, CANCELLED_MESSAGE);
    }
  else
    {
      r = status_to_libusb_error (op->status);
      if (r == LIBUSB_ERROR_NO_DEVICE)
        self->gone = TRUE;
      set_usb_error (error, r, OP_READ, self->path);
    }
  read_op_free (op);
  return ret;
}

/* ------------------------------------------------------------------ writes */

typedef enum {
  SLOT_FREE,
  SLOT_FILLING,    /* owned by the writing thread */
  SLOT_QUEUED,     /* has bytes not yet submitted */
  SLOT_SUBMITTED,  /* a piece of it is on the wire */
} SlotState;

typedef struct _Pipeline Pipeline;

typedef struct {
  Pipeline *pl;
  struct libusb_transfer *xfer;
  guint8 *buf;          /* own buffer (stream mode), allocated lazily */
  const guint8 *data;   /* the bytes of this slot */
  gsize len;
  gsize off;            /* bytes already on the wire and acknowledged */
  gsize piece;          /* bytes in the submitted transfer */
  SlotState state;
} Slot;

struct _Pipeline {
  UbUsbTransport *self;
  GMutex lock;
  int wake;                 /* set by callbacks, read by libusb */
  Slot slots[UB_USB_TRANSFERS_IN_FLIGHT];
  GQueue order;             /* slots holding unacknowledged data, stream order */
  guint n_submitted;
  guint64 acked;            /* bytes acknowledged by the device */
  int failure;              /* first libusb error seen (0: none) */
  gint64 last_progress;     /* monotonic µs of the last completion */
};

static void LIBUSB_CALL
write_done_cb (struct libusb_transfer *xfer)
{
  Slot *slot = xfer->user_data;
  Pipeline *pl = slot->pl;

  g_mutex_lock (&pl->lock);
  g_assert (slot->state == SLOT_SUBMITTED);
  pl->n_submitted--;
  if (xfer->status == LIBUSB_TRANSFER_COMPLETED && (gsize) xfer->actual_length == slot->piece)
    {
      slot->off += slot->piece;
      pl->acked += slot->piece;
      pl->last_progress = g_get_monotonic_time ();
      if (slot->off == slot->len)
        {
          g_queue_remove (&pl->order, slot);
          slot->state = SLOT_FREE;
        }
      else
        {
          slot->state = SLOT_QUEUED;
        }
    }
  else
    {
      int code = xfer->status == LIBUSB_TRANSFER_COMPLETED
                   ? LIBUSB_ERROR_IO   /* short write */
                   : status_to_libusb_error (xfer->status);

      if (pl->failure == 0)
        pl->failure = code;
      slot->state = SLOT_QUEUED;
    }
  pl->wake = 1;
  g_mutex_unlock (&pl->lock);
}

/* Submits queued slots in stream order. Returns 0 or a libusb error. */
static int
pipeline_submit_locked (Pipeline *pl)
{
  UbUsbTransport *self = pl->self;

  for (GList *l = pl->order.head; l != NULL; l = l->next)
    {
      Slot *slot = l->data;
      int r;

      if (slot->state == SLOT_SUBMITTED)
        {
          if (slot->off + slot->piece < slot->len)
            return 0;   /* the rest of this slot has to go first */
          continue;
        }
      g_assert (slot->state == SLOT_QUEUED);

      for (;;)
        {
          slot->piece = MIN (slot->len - slot->off, self->transfer_size);
          g_assert (slot->piece > 0);
          libusb_fill_bulk_transfer (slot->xfer, self->handle, self->ep_out,
                                     (unsigned char *) slot->data + slot->off, (int) slot->piece,
                                     write_done_cb, slot, 0);
          r = libusb_submit_transfer (slot->xfer);
          if (r != LIBUSB_ERROR_NO_MEM || self->transfer_size <= UB_USB_MIN_TRANSFER_SIZE)
            break;
          self->transfer_size /= 2;
          g_debug ("%s: out of usbfs memory, bulk transfers now %" G_GSIZE_FORMAT " bytes",
                   self->path, self->transfer_size);
        }
      if (r == LIBUSB_ERROR_NO_MEM && pl->n_submitted > 0)
        return 0;   /* retry once one of ours completed */
      if (r != 0)
        return r;

      if (pl->n_submitted == 0)
        pl->last_progress = g_get_monotonic_time ();
      pl->n_submitted++;
      slot->state = SLOT_SUBMITTED;
      if (slot->off + slot->piece < slot->len)
        return 0;
    }
  return 0;
}

typedef struct {
  const guint8 *buf;       /* memory source, or */
  GInputStream *stream;    /* stream source */
} Source;

static Slot *
pipeline_take_free_slot (Pipeline *pl)
{
  Slot *ret = NULL;

  g_mutex_lock (&pl->lock);
  for (guint i = 0; i < G_N_ELEMENTS (pl->slots); i++)
    if (pl->slots[i].state == SLOT_FREE)
      {
        ret = &pl->slots[i];
        ret->state = SLOT_FILLING;
        break;
      }
  g_mutex_unlock (&pl->lock);
  return ret;
}

/* Cancels whatever is on the wire and waits until all of it was reaped.
 * FALSE if that did not happen in time (the pipeline must then be leaked). */
static gboolean
pipeline_drain (Pipeline       *pl,
                libusb_context *ctx)
{
  gint64 deadline = g_get_monotonic_time () + REAP_DEADLINE_MS * G_TIME_SPAN_MILLISECOND;

  for (guint i = 0; i < G_N_ELEMENTS (pl->slots); i++)
    {
      gboolean submitted;

      g_mutex_lock (&pl->lock);
      submitted = pl->slots[i].state == SLOT_SUBMITTED;
      g_mutex_unlock (&pl->lock);
      /* A transfer that completes meanwhile makes this return NOT_FOUND: harmless. */
      if (submitted)
        libusb_cancel_transfer (pl->slots[i].xfer);
    }

  for (;;)
    {
      guint n;

      g_mutex_lock (&pl->lock);
      n = pl->n_submitted;
      pl->wake = 0;
      g_mutex_unlock (&pl->lock);
      if (n == 0)
        return TRUE;
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      handle_events (ctx, 100, &pl->wake);
    }
}

static void
pipeline_free (Pipeline *pl)
{
  for (guint i = 0; i < G_N_ELEMENTS (pl->slots); i++)
    {
      libusb_free_transfer (pl->slots[i].xfer);
      g_free (pl->slots[i].buf);
    }
  g_queue_clear (&pl->order);
  g_mutex_clear (&pl->lock);
  g_free (pl);
}

static gboolean
usb_write_pipeline (UbUsbTransport         *self,
                    const Source           *src,
                    guint64                 size,
                    guint                   stall_timeout_ms,
                    UbTransportProgressFunc progress,
                    gpointer                progress_data,
                    GCancellable           *cancellable,
                    GError                **error)
{
  libusb_context *ctx = ub_usb_context (NULL);
  g_autoptr(GError) local_error = NULL;
  Pipeline *pl;
  guint64 filled = 0;
  guint64 reported = 0;
  gulong cancel_id = 0;
  int usb_error = 0;
  gboolean stalled = FALSE;
  guint n_outstanding;

  if (!check_usable (self, error))
    return FALSE;

  pl = g_new0 (Pipeline, 1);
  pl->self = self;
  g_mutex_init (&pl->lock);
  g_queue_init (&pl->order);
  for (guint i = 0; i < G_N_ELEMENTS (pl->slots); i++)
    {
      pl->slots[i].pl = pl;
      pl->slots[i].xfer = libusb_alloc_transfer (0);
      pl->slots[i].state = SLOT_FREE;
    }
  pl->last_progress = g_get_monotonic_time ();

  if (cancellable != NULL)
    cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (on_cancelled), ctx, NULL);

  for (;;)
    {
      guint64 acked;
      guint n_submitted;
      gint64 last_progress;
      Slot *slot;

      g_mutex_lock (&pl->lock);
      pl->wake = 0;
      if (pl->failure == 0)
        pl->failure = pipeline_submit_locked (pl);
      usb_error = pl->failure;
      acked = pl->acked;
      n_submitted = pl->n_submitted;
      last_progress = pl->last_progress;
      g_mutex_unlock (&pl->lock);

      if (usb_error != 0)
        break;
      if (progress != NULL && acked > reported)
        {
          reported = acked;
          progress (acked, progress_data);
        }
      if (acked == size)
        break;
      if (g_cancellable_set_error_if_cancelled (cancellable, &local_error))
        break;

      /* Fill the next free slot while the others are on the wire. */
      if (filled < size && (slot = pipeline_take_free_slot (pl)) != NULL)
        {
          gsize want = MIN (size - filled, self->transfer_size);

          if (src->buf != NULL)
            {
              slot->data = src->buf + filled;
            }
          else
            {
              gsize got = 0;

              if (slot->buf == NULL)
                slot->buf = g_malloc (UB_USB_TRANSFER_SIZE);
              want = MIN (want, UB_USB_TRANSFER_SIZE);
              if (!g_input_stream_read_all (src->stream, slot->buf, want, &got,
                                            cancellable, &local_error))
                {
                  g_mutex_lock (&pl->lock);
                  slot->state = SLOT_FREE;
                  g_mutex_unlock (&pl->lock);
                  break;
                }
              if (got != want)
                {
                  g_set_error (&local_error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_INVALID_IMAGE,
                               _("Image ended early: expected %" PRIu64 " more bytes"),
                               size - filled);
                  g_mutex_lock (&pl->lock);
                  slot->state = SLOT_FREE;
                  g_mutex_unlock (&pl->lock);
                  break;
                }
              slot->data = slot->buf;
            }
          slot->len = want;
          slot->off = 0;
          filled += want;
          g_mutex_lock (&pl->lock);
          slot->state = SLOT_QUEUED;
          g_queue_push_tail (&pl->order, slot);
          g_mutex_unlock (&pl->lock);
          continue;
        }

      /* Nothing to do but wait for the device. */
      if (n_submitted > 0 && stall_timeout_ms > 0 &&
          g_get_monotonic_time () - last_progress > (gint64) stall_timeout_ms * G_TIME_SPAN_MILLISECOND)
        {
          stalled = TRUE;
          break;
        }
      handle_events (ctx, EVENT_TICK_MS, &pl->wake);
    }

  g_cancellable_disconnect (cancellable, cancel_id);

  g_mutex_lock (&pl->lock);
  n_outstanding = pl->n_submitted;
  g_mutex_unlock (&pl->lock);
  if (n_outstanding > 0 || usb_error != 0 || stalled || local_error != NULL)
    {
      if (!pipeline_drain (pl, ctx))
        {
          g_warning ("USB writes on %s were not reaped after cancelling; leaking them",
                     self->path);
          self->broken = TRUE;
          pl = NULL;
        }
    }
  if (pl != NULL)
    pipeline_free (pl);

  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (stalled)
    {
      set_usb_error (error, LIBUSB_ERROR_TIMEOUT, OP_WRITE, self->path);
      return FALSE;
    }
  if (usb_error != 0)
    {
      if (usb_error == LIBUSB_ERROR_NO_DEVICE)
        self->gone = TRUE;
      set_usb_error (error, usb_error, OP_WRITE, self->path);
      return FALSE;
    }
  return TRUE;
}

/*
 * adb only (AOSP's host does the same): a transfer whose length is a
 * multiple of wMaxPacketSize ends with a zero-length packet, so the device
 * sees where it ends. Fastboot transports never send one.
 */
static gboolean
usb_write_zlp (UbUsbTransport *self,
               guint           stall_timeout_ms,
               GError        **error)
{
  int actual = 0;
  int r;

  if (!check_usable (self, error))
    return FALSE;
  r = libusb_bulk_transfer (self->handle, self->ep_out, NULL, 0, &actual, stall_timeout_ms);
  if (r != 0)
    {
      if (r == LIBUSB_ERROR_NO_DEVICE)
        self->gone = TRUE;
      set_usb_error (error, r, OP_WRITE, self->path);
      return FALSE;
    }
  return TRUE;
}

static gboolean
ub_usb_transport_write (UbTransport   *transport,
                        const guint8  *buf,
                        gsize          len,
                        guint          stall_timeout_ms,
                        GCancellable  *cancellable,
                        GError       **error)
{
  Source src = { .buf = buf };

  UbUsbTransport *self = UB_USB_TRANSPORT (transport);

  if (len == 0)
    return TRUE;   /* never a zero-length packet of its own */
  if (!usb_write_pipeline (self, &src, len, stall_timeout_ms, NULL, NULL, cancellable, error))
    return FALSE;
  if (self->zlp && self->max_packet_out > 0 && len % self->max_packet_out == 0)
    return usb_write_zlp (self, stall_timeout_ms, error);
  return TRUE;
}

static gboolean
ub_usb_transport_write_stream (UbTransport            *transport,
                               GInputStream           *stream,
                               guint64                 size,
                               guint                   stall_timeout_ms,
                               UbTransportProgressFunc progress,
                               gpointer                progress_data,
                               GCancellable           *cancellable,
                               GError                **error)
{
  Source src = { .stream = stream };

  if (size == 0)
    return TRUE;
  return usb_write_pipeline (UB_USB_TRANSPORT (transport), &src, size, stall_timeout_ms,
                             progress, progress_data, cancellable, error);
}

static gssize
ub_usb_transport_read (UbTransport   *transport,
                       guint8        *buf,
                       gsize          len,
                       guint          timeout_ms,
                       GCancellable  *cancellable,
                       GError       **error)
{
  return usb_read (UB_USB_TRANSPORT (transport), buf, len, timeout_ms, cancellable, error);
}

static void
ub_usb_transport_close (UbTransport *transport)
{
  UbUsbTransport *self = UB_USB_TRANSPORT (transport);

  if (self->handle == NULL)
    return;
  if (!self->broken)
    {
      libusb_release_interface (self->handle, self->interface_number);
      libusb_close (self->handle);
    }
  /* broken: transfers may still reference the handle; keep it open (leaked) */
  self->handle = NULL;
  ub_usb_open_paths_remove (self->path);
}

static const char *
ub_usb_transport_describe (UbTransport *transport)
{
  return UB_USB_TRANSPORT (transport)->path;
}

static void
ub_usb_transport_iface_init (UbTransportInterface *iface)
{
  iface->write = ub_usb_transport_write;
  iface->read = ub_usb_transport_read;
  iface->write_stream = ub_usb_transport_write_stream;
  iface->close = ub_usb_transport_close;
  iface->describe = ub_usb_transport_describe;
}

/* ------------------------------------------------------------------ GObject */

static void
ub_usb_transport_dispose (GObject *object)
{
  ub_usb_transport_close (UB_TRANSPORT (object));
  G_OBJECT_CLASS (ub_usb_transport_parent_class)->dispose (object);
}

static void
ub_usb_transport_finalize (GObject *object)
{
  UbUsbTransport *self = UB_USB_TRANSPORT (object);

  g_free (self->serial);
  g_free (self->path);
  G_OBJECT_CLASS (ub_usb_transport_parent_class)->finalize (object);
}

static void
ub_usb_transport_class_init (UbUsbTransportClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ub_usb_transport_dispose;
  object_class->finalize = ub_usb_transport_finalize;
}

static void
ub_usb_transport_init (UbUsbTransport *self)
{
  self->interface_number = -1;
  self->transfer_size = UB_USB_TRANSFER_SIZE;
}

/* ------------------------------------------------------------------ open */

static gboolean
probe_matches (const UbUsbProbe *p,
               const char  *want)
{
  if (want == NULL)
    return TRUE;
  if (p->serial != NULL && g_str_equal (p->serial, want))
    return TRUE;
  if (g_str_equal (p->path, want) || g_str_equal (p->name, want))
    return TRUE;
  return FALSE;
}

/* Reads and discards responses left over from an earlier session (§8.14). */
static gboolean
drain_stale_input (UbUsbTransport *self,
                   GError        **error)
{
  guint8 junk[UB_USB_MIN_READ_SIZE * 2];

  for (guint i = 0; i < DRAIN_MAX_PACKETS; i++)
    {
      g_autoptr(GError) local_error = NULL;
      gssize n = usb_read (self, junk, sizeof junk, DRAIN_TIMEOUT_MS, NULL, &local_error);

      if (n >= 0)
        {
          g_debug ("%s: discarded %" G_GSSIZE_FORMAT " stale bytes", self->path, n);
          continue;
        }
      if (g_error_matches (local_error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_TIMEOUT))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

static UbTransport *
open_probed (libusb_device *dev,
             UbUsbProbe    *p,
             GError       **error)
{
  g_autoptr(UbUsbTransport) self = NULL;
  libusb_device_handle *handle = NULL;
  int r;

  r = libusb_open (dev, &handle);
  if (r != 0)
    {
      set_usb_error (error, r, OP_OPEN, p->path);
      return NULL;
    }
  /* Registered before claiming, so a listing running meanwhile in another
   * thread does not see our own claim as "busy". */
  ub_usb_open_paths_add (p->path);
  r = libusb_claim_interface (handle, p->interface_number);
  if (r != 0)
    {
      set_usb_error (error, r, OP_OPEN, p->path);
      libusb_close (handle);
      ub_usb_open_paths_remove (p->path);
      return NULL;
    }
  ub_usb_probe_read_serial (p, handle);

  self = g_object_new (UB_TYPE_USB_TRANSPORT, NULL);
  self->handle = handle;
  self->interface_number = p->interface_number;
  self->ep_in = p->ep_in;
  self->ep_out = p->ep_out;
  self->max_packet_in = p->max_packet_in;
  self->max_packet_out = p->max_packet_out;
  self->zlp = p->kind == UB_USB_DEVICE_KIND_ADB;
  self->bus = libusb_get_bus_number (dev);
  self->address = libusb_get_device_address (dev);
  self->vendor_id = p->vendor_id;
  self->product_id = p->product_id;
  self->serial = g_strdup (p->serial);
  self->path = g_strdup (p->path);

  if (!drain_stale_input (self, error))
    return NULL;   /* dispose closes it */
  return UB_TRANSPORT (g_steal_pointer (&self));
}

static UbTransport *
open_kind (UbUsbDeviceKind kind,
           const char     *serial_or_path,
           GError        **error)
{
  gboolean adb = kind == UB_USB_DEVICE_KIND_ADB;

  libusb_context *ctx = ub_usb_context (error);
  libusb_device **list = NULL;
  libusb_device *chosen = NULL;
  UbUsbProbe chosen_probe = { 0 };
  guint n_matching = 0, n_other = 0;
  UbTransport *ret = NULL;
  ssize_t n;

  if (ctx == NULL)
    return NULL;
  n = libusb_get_device_list (ctx, &list);
  if (n < 0)
    {
      set_usb_error (error, (int) n, OP_OPEN, NULL);
      return NULL;
    }

  for (ssize_t i = 0; i < n; i++)
    {
      UbUsbProbe p;

      if (!ub_usb_probe_device (list[i], &p))
        continue;
      if (p.kind != kind)
        {
          n_other++;
          ub_usb_probe_clear (&p);
          continue;
        }
      if (serial_or_path != NULL && p.serial == NULL &&
          !g_str_equal (p.path, serial_or_path) && !g_str_equal (p.name, serial_or_path))
        {
          /* no sysfs serial: ask the device itself */
          libusb_device_handle *h = NULL;

          if (libusb_open (list[i], &h) == 0)
            {
              ub_usb_probe_read_serial (&p, h);
              libusb_close (h);
            }
        }
      if (!probe_matches (&p, serial_or_path))
        {
          ub_usb_probe_clear (&p);
          continue;
        }
      n_matching++;
      if (chosen == NULL)
        {
          chosen = libusb_ref_device (list[i]);
          chosen_probe = p;
        }
      else
        {
          ub_usb_probe_clear (&p);
        }
    }
  libusb_free_device_list (list, 1);

  if (chosen == NULL)
    {
      if (serial_or_path != NULL)
        g_set_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_NOT_FOUND,
                     adb ?
                     /* TRANSLATORS: %s: what the user gave as --serial */
                     _("No phone in Mi Assistant mode with serial number or path “%s” was "
                       "found") :
                     /* TRANSLATORS: %s: what the user gave as --serial */
                     _("No phone in fastboot mode with serial number or path “%s” was found"),
                     serial_or_path);
      else if (n_other > 0)
        g_set_error_literal (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_NOT_FOUND,
                             adb ?
                             _("No phone in Mi Assistant mode was found (a phone in another "
                               "mode is connected)") :
                             _("No phone in fastboot mode was found (a phone in another "
                               "mode is connected)"));
      else
        g_set_error_literal (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_NOT_FOUND,
                             adb ? _("No phone in Mi Assistant mode was found")
                                 : _("No phone in fastboot mode was found"));
      return NULL;
    }
  if (serial_or_path == NULL && n_matching > 1)
    {
      g_set_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_INVALID_ARGUMENT,
                   adb ?
                   ngettext ("%u phone is connected in adb mode; choose one by serial number",
                             "%u phones are connected in adb mode; choose one by serial number",
                             n_matching) :
                   ngettext ("%u phone is connected in fastboot mode; choose one by serial "
                             "number",
                             "%u phones are connected in fastboot mode; choose one by serial "
                             "number", n_matching),
                   n_matching);
    }
  else
    {
      ret = open_probed (chosen, &chosen_probe, error);
    }
  ub_usb_probe_clear (&chosen_probe);
  libusb_unref_device (chosen);
  return ret;
}

UbTransport *
ub_usb_transport_open (const char *serial_or_path,
                       GError    **error)
{
  return open_kind (UB_USB_DEVICE_KIND_FASTBOOT, serial_or_path, error);
}

UbTransport *
ub_usb_transport_open_adb (const char *serial_or_path,
                           GError    **error)
{
  return open_kind (UB_USB_DEVICE_KIND_ADB, serial_or_path, error);
}

UbTransport *
ub_usb_transport_wait_open (const char   *serial_or_path,
                            guint         timeout_ms,
                            GCancellable *cancellable,
                            GError      **error)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * G_TIME_SPAN_MILLISECOND;

  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      UbTransport *transport = ub_usb_transport_open (serial_or_path, &local_error);

      if (transport != NULL)
        return transport;
      if (!g_error_matches (local_error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_NOT_FOUND) &&
          !g_error_matches (local_error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_NO_DEVICE))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      if (timeout_ms > 0 && g_get_monotonic_time () >= deadline)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;
      /* poll every 250 ms, noticing a cancel within 50 ms */
      for (guint i = 0; i < 5 && !g_cancellable_is_cancelled (cancellable); i++)
        g_usleep (50 * G_TIME_SPAN_MILLISECOND);
    }
}

gboolean
ub_usb_transport_wait_for_disconnect (UbUsbTransport *self,
                                      guint           timeout_ms)
{
  libusb_context *ctx = ub_usb_context (NULL);
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * G_TIME_SPAN_MILLISECOND;

  g_return_val_if_fail (UB_IS_USB_TRANSPORT (self), FALSE);
  ub_usb_transport_close (UB_TRANSPORT (self));
  if (ctx == NULL)
    return TRUE;

  for (;;)
    {
      libusb_device **list = NULL;
      gboolean present = FALSE;
      ssize_t n = libusb_get_device_list (ctx, &list);

      for (ssize_t i = 0; i < n; i++)
        if (libusb_get_bus_number (list[i]) == self->bus &&
            libusb_get_device_address (list[i]) == self->address)
          present = TRUE;
      if (n >= 0)
        libusb_free_device_list (list, 1);
      if (!present)
        return TRUE;
      if (g_get_monotonic_time () >= deadline)
        return FALSE;
      g_usleep (50 * G_TIME_SPAN_MILLISECOND);
    }
}

/* ------------------------------------------------------------------ accessors */

const char *
ub_usb_transport_get_serial (UbUsbTransport *self)
{
  g_return_val_if_fail (UB_IS_USB_TRANSPORT (self), NULL);
  return self->serial;
}

const char *
ub_usb_transport_get_path (UbUsbTransport *self)
{
  g_return_val_if_fail (UB_IS_USB_TRANSPORT (self), NULL);
  return self->path;
}

guint16
ub_usb_transport_get_vendor_id (UbUsbTransport *self)
{
  g_return_val_if_fail (UB_IS_USB_TRANSPORT (self), 0);
  return self->vendor_id;
}

guint16
ub_usb_transport_get_product_id (UbUsbTransport *self)
{
  g_return_val_if_fail (UB_IS_USB_TRANSPORT (self), 0);
  return self->product_id;
}

gsize
ub_usb_transport_get_transfer_size (UbUsbTransport *self)
{
  g_return_val_if_fail (UB_IS_USB_TRANSPORT (self), 0);
  return self->transfer_size;
}

void
ub_usb_transport_set_transfer_size (UbUsbTransport *self,
                                    gsize           size)
{
  g_return_if_fail (UB_IS_USB_TRANSPORT (self));
  self->transfer_size = CLAMP (size, UB_USB_MIN_TRANSFER_SIZE, UB_USB_TRANSFER_SIZE);
}
