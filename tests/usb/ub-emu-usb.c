/* SPDX-License-Identifier: GPL-3.0-or-later */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/usb/ch9.h>
#include <linux/usbdevice_fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ub-emu-session.h"
#include "ub-emu-usb.h"

/*
 * Threads:
 *  - umockdev's worker thread runs on_handle_ioctl() for every device; it is
 *    the only thread that touches a URB struct (UMockdevIoctlData.data),
 *    because umockdev flushes those structs to the client from that thread.
 *  - one feeder thread per plug feeds OUT URBs to the UbEmuSession (so a
 *    slow or delaying emulator does not block the other devices);
 *  - the bus thread runs delayed work: sysfs removal after an emulator
 *    disconnect, replugging after a reboot;
 *  - test threads add, unplug and replug devices.
 * A Plug is one enumeration of a device (one bus address, node and ioctl
 * handler). Old plugs stay alive until the bus is freed, so stale client
 * handles keep getting ENODEV like on a real usbfs fd.
 */

#define EP_OUT           0x01
#define EP_IN            0x81
#define MAX_PACKET       512
#define FIFO_SIZE        4096
#define DISCONNECT_GRACE_MS 1000

typedef struct _Plug Plug;

struct _UbEmuUsbDevice
{
  UbEmuUsb *bus;
  UbEmuPhone *phone;          /* NULL for devices without a session */
  UbEmuRecovery *recovery;    /* UB_EMU_USB_RECOVERY only */
  UbEmuUsbKind kind;          /* as added */
  char *port;                 /* sysfs name, "1-3" */
  char *path;                 /* "usb:1-3" */
  guint busnum;
  char *serial;
  guint16 vendor_id;
  guint16 product_id;
  guint8 iface_class, iface_subclass, iface_protocol;

  gint claim_errno;           /* atomic */
  gint max_urb;               /* atomic, 0 = unlimited */

  gint node_mode;             /* atomic, -1: leave as created */
  gint replug_reboot_ms;      /* atomic */
  gint replug_fault_ms;       /* atomic */

  /* under bus->lock */
  Plug *plug;                 /* NULL while unplugged */
  UbEmuUsbKind next_kind;     /* what a scheduled replug brings back */
  guint plug_count;
  UbEmuUsbStats last_stats;
};

typedef struct {
  UMockdevIoctlData *urbd;    /* the client's struct usbdevfs_urb (worker thread only) */
  guint8 *buf;                /* local copy of the URB buffer */
  gsize len;
  guint8 endpoint;
  guint8 type;
  int status;                 /* applied to the URB struct when reaped */
  gsize actual;
} Urb;

struct _Plug
{
  UbEmuUsbDevice *dev;
  UbEmuUsbKind kind;
  guint devnum;
  char *devpath;              /* "/devices/…/1-3" */
  char *syspath;              /* "/sys/devices/…/1-3" */
  char *devnode;              /* "/dev/bus/usb/001/005" */
  GBytes *descriptors;        /* device + configuration descriptor */
  char *iface_name;           /* interface string ("fastboot", "fastbootd"…) */
  UMockdevIoctlBase *handler;
  int fifo_fd;
  gboolean removed;           /* sysfs entries removed (bus->lock) */

  GMutex lock;                /* everything below */
  GCond cond;
  GQueue reapable;            /* Urb* */
  GQueue pending_in;          /* Urb* */
  GQueue pending_out;         /* Urb*, waiting for the feeder */
  Urb *feeding;
  gboolean feeding_discarded;
  GQueue responses;           /* GBytes* */
  UMockdevIoctlClient *claimed_by;  /* a reference */
  char *driver_link;          /* <root>/sys/…/1-3:1.0/driver */
  gboolean driver_bound;
  gboolean fifo_full;
  gboolean unplugged;
  gboolean stalled;
  gboolean disconnect_pending;
  gboolean stop;
  int replug_ms;              /* decided at disconnect; -1 none */
  UbEmuUsbKind replug_kind;
  UbEmuUsbStats st;

  UbEmuSession *session;      /* fed by the feeder thread only */
  UbEmuRecoverySession *rsession; /* a recovery's (instead of session) */
  GThread *feeder;
};

struct _UbEmuUsb
{
  GObject parent_instance;

  UMockdevTestbed *testbed;
  GMutex lock;
  GPtrArray *devices;         /* UbEmuUsbDevice* */
  GPtrArray *plugs;           /* every Plug ever made */
  GHashTable *ports;          /* port name -> UbEmuUsbDevice* (also hubs) */
  guint next_devnum;
  guint next_port;
  gint n_pending;             /* atomic: scheduled bus-thread work */

  GMainContext *context;
  GMainLoop *loop;
  GThread *thread;
};

G_DEFINE_FINAL_TYPE (UbEmuUsb, ub_emu_usb, G_TYPE_OBJECT)

static gboolean plug_in (UbEmuUsbDevice *dev, UbEmuUsbKind kind, GError **error);
static void plug_remove (Plug *plug);

/* ------------------------------------------------------------------ descriptors */

static GBytes *
build_descriptors (guint16         vid,
                   guint16         pid,
                   guint8          cls,
                   guint8          sub,
                   guint8          proto)
{
  guint8 d[18 + 32] = {
    /* device */
    18, USB_DT_DEVICE, 0x00, 0x02, 0x00, 0x00, 0x00, 64,
    vid & 0xff, vid >> 8, pid & 0xff, pid >> 8, 0x00, 0x01,
    1, 2, 3, 1,
    /* configuration */
    9, USB_DT_CONFIG, 32, 0, 1, 1, 0, 0x80, 250,
    /* interface 0 */
    9, USB_DT_INTERFACE, 0, 0, 2, cls, sub, proto, 4,
    /* bulk OUT, bulk IN */
    7, USB_DT_ENDPOINT, EP_OUT, USB_ENDPOINT_XFER_BULK, MAX_PACKET & 0xff, MAX_PACKET >> 8, 0,
    7, USB_DT_ENDPOINT, EP_IN, USB_ENDPOINT_XFER_BULK, MAX_PACKET & 0xff, MAX_PACKET >> 8, 0,
  };

  return g_bytes_new (d, sizeof d);
}

/* fastbootd names its interface "fastbootd" (AOSP, since 2020), the
 * bootloader "fastboot". */
static char *
interface_name (UbEmuUsbDevice *dev,
                UbEmuUsbKind    kind)
{
  g_autofree char *userspace = NULL;

  switch (kind)
    {
    case UB_EMU_USB_FASTBOOT:
      userspace = dev->phone != NULL ? ub_emu_phone_dup_var (dev->phone, "is-userspace") : NULL;
      return g_strdup (g_strcmp0 (userspace, "yes") == 0 ? "fastbootd" : "fastboot");
    case UB_EMU_USB_ADB:
    case UB_EMU_USB_RECOVERY:
      return g_strdup ("ADB Interface");
    default:
      return g_strdup ("Vendor Interface");
    }
}

static GBytes *
string_descriptor (Plug *plug,
                   guint index)
{
  const char *s;
  gsize n;
  guint8 *d;

  switch (index)
    {
    case 0:
      {
        static const guint8 langids[4] = { 4, USB_DT_STRING, 0x09, 0x04 };
        return g_bytes_new_static (langids, sizeof langids);
      }
    case 1:
      s = "Google";
      break;
    case 2:
      s = "Android";
      break;
    case 3:
      s = plug->dev->serial;
      break;
    case 4:
      s = plug->iface_name;
      break;
    default:
      return NULL;
    }
  n = MIN (strlen (s), 126);
  d = g_malloc0 (2 + 2 * n);
  d[0] = 2 + 2 * n;
  d[1] = USB_DT_STRING;
  for (gsize i = 0; i < n; i++)
    d[2 + 2 * i] = s[i];
  return g_bytes_new_take (d, 2 + 2 * n);
}

/* ------------------------------------------------------------------ plug state (plug->lock held) */

static void
urb_free (Urb *u)
{
  g_clear_object (&u->urbd);
  g_free (u);
}

/* FIFO node: full (not writable) while nothing can be reaped, so libusb
 * sleeps in poll(); drained (POLLOUT) as soon as a URB is reapable. */
static void
update_readiness_locked (Plug *plug)
{
  gboolean want_ready = plug->reapable.length > 0;

  if (plug->fifo_fd < 0)
    return;
  if (want_ready && plug->fifo_full)
    {
      char buf[FIFO_SIZE];

      while (read (plug->fifo_fd, buf, sizeof buf) > 0)
        ;
      plug->fifo_full = FALSE;
    }
  else if (!want_ready && !plug->fifo_full)
    {
      char buf[FIFO_SIZE] = { 0 };

      while (write (plug->fifo_fd, buf, sizeof buf) > 0)
        ;
      plug->fifo_full = TRUE;
    }
}

static void
complete_locked (Plug *plug,
                 Urb  *u,
                 int   status,
                 gsize actual)
{
  u->status = status;
  u->actual = actual;
  g_queue_push_tail (&plug->reapable, u);
}

static void
fail_all_locked (Plug *plug,
                 int   status)
{
  Urb *u;

  while ((u = g_queue_pop_head (&plug->pending_in)) != NULL)
    complete_locked (plug, u, status, 0);
  while ((u = g_queue_pop_head (&plug->pending_out)) != NULL)
    complete_locked (plug, u, status, 0);
}

/* Runs @func on the bus thread after @delay_ms; ub_emu_usb_settle() waits for it. */
static void
bus_schedule (UbEmuUsb    *bus,
              guint        delay_ms,
              GSourceFunc  func,
              gpointer     data)
{
  GSource *source = g_timeout_source_new (delay_ms);

  g_atomic_int_inc (&bus->n_pending);
  g_source_set_callback (source, func, data, NULL);
  g_source_attach (source, bus->context);
  g_source_unref (source);
}

/* Like the kernel, bind the "usbfs" driver to the interface in sysfs while a
 * program has claimed it (that is how other programs can see it is busy). */
static void
update_driver_link_locked (Plug *plug)
{
  gboolean want = !plug->unplugged &&
                  (plug->claimed_by != NULL ||
                   g_atomic_int_get (&plug->dev->claim_errno) == EBUSY);

  if (plug->driver_link == NULL || want == plug->driver_bound)
    return;
  if (want)
    {
      if (symlink ("../../../../../../bus/usb/drivers/usbfs", plug->driver_link) < 0)
        g_warning ("emu-usb: symlink %s: %s", plug->driver_link, g_strerror (errno));
    }
  else
    {
      unlink (plug->driver_link);
    }
  plug->driver_bound = want;
}

static gboolean
bus_finish_unplug_cb (gpointer data)
{
  Plug *plug = data;

  plug_remove (plug);
  g_atomic_int_dec_and_test (&plug->dev->bus->n_pending);
  return G_SOURCE_REMOVE;
}

/* Marks the plug gone: in-flight URBs fail with -ENODEV, later ioctls with
 * ENODEV. The sysfs part runs on the bus thread. */
static void
unplug_now_locked (Plug *plug)
{
  if (plug->unplugged)
    return;
  plug->unplugged = TRUE;
  plug->disconnect_pending = FALSE;
  fail_all_locked (plug, -ENODEV);
  g_queue_clear_full (&plug->responses, (GDestroyNotify) g_bytes_unref);
  g_queue_init (&plug->responses);
  plug->stop = TRUE;
  g_cond_broadcast (&plug->cond);
  update_readiness_locked (plug);

  bus_schedule (plug->dev->bus, 0, bus_finish_unplug_cb, plug);
}

static void
service_pending_in_locked (Plug *plug)
{
  while (plug->pending_in.length > 0 && plug->responses.length > 0)
    {
      Urb *u = g_queue_pop_head (&plug->pending_in);
      GBytes *resp = g_queue_pop_head (&plug->responses);
      gsize rlen;
      const guint8 *r = g_bytes_get_data (resp, &rlen);
      gsize n = MIN (rlen, u->len);

      memcpy (u->buf, r, n);
      complete_locked (plug, u, rlen > u->len ? -EOVERFLOW : 0, n);
      g_bytes_unref (resp);
    }
  if (plug->disconnect_pending && plug->responses.length == 0)
    unplug_now_locked (plug);
}

static gboolean
force_disconnect_cb (gpointer data)
{
  Plug *plug = data;

  g_mutex_lock (&plug->lock);
  if (plug->disconnect_pending)
    unplug_now_locked (plug);
  g_mutex_unlock (&plug->lock);
  g_atomic_int_dec_and_test (&plug->dev->bus->n_pending);
  return G_SOURCE_REMOVE;
}

/* ------------------------------------------------------------------ emulator side */

static void
on_session_output (const guint8 *data,
                   gsize         len,
                   gpointer      user_data)
{
  Plug *plug = user_data;

  g_mutex_lock (&plug->lock);
  if (!plug->unplugged)
    {
      g_queue_push_tail (&plug->responses, g_bytes_new (data, len));
      service_pending_in_locked (plug);
      update_readiness_locked (plug);
    }
  g_mutex_unlock (&plug->lock);
}

/* Decides what comes back after the phone dropped off the bus. */
static void
decide_replug_locked (Plug       *plug,
                      const char *command)
{
  UbEmuUsbDevice *dev = plug->dev;

  int reboot_ms = g_atomic_int_get (&dev->replug_reboot_ms);
  int fault_ms = g_atomic_int_get (&dev->replug_fault_ms);

  plug->replug_ms = -1;
  plug->replug_kind = UB_EMU_USB_FASTBOOT;
  if (command == NULL)
    {
      plug->replug_ms = fault_ms;
    }
  else if (g_str_equal (command, "reboot-bootloader") || g_str_equal (command, "reboot-fastboot"))
    {
      plug->replug_ms = reboot_ms;
    }
  else if (g_str_equal (command, "reboot-recovery"))
    {
      plug->replug_ms = -1;
    }
  else if (g_str_has_prefix (command, "reboot") || g_str_equal (command, "continue") ||
           g_str_equal (command, "oem lock") || g_str_equal (command, "flashing lock"))
    {
      /* a lock with restart-on-lock: the phone erases itself and starts Android */
      plug->replug_ms = reboot_ms;
      plug->replug_kind = UB_EMU_USB_ADB;
    }
  else
    {
      plug->replug_ms = fault_ms;
    }
}

static gpointer
feeder_thread (gpointer data)
{
  Plug *plug = data;

  g_mutex_lock (&plug->lock);
  for (;;)
    {
      g_autofree char *command = NULL;
      UbEmuAction action;
      Urb *u;

      while (!plug->stop && (plug->stalled || plug->pending_out.length == 0))
        g_cond_wait (&plug->cond, &plug->lock);
      if (plug->stop)
        break;

      u = g_queue_pop_head (&plug->pending_out);
      plug->feeding = u;
      plug->feeding_discarded = FALSE;
      g_mutex_unlock (&plug->lock);

      if (plug->rsession != NULL)
        {
          /* adb: header and payload URBs in any split; a zero-length URB
           * (after a multiple of wMaxPacketSize) carries nothing. */
          gboolean alive = u->len == 0 ||
                           ub_emu_recovery_session_feed (plug->rsession, u->buf, u->len);

          g_mutex_lock (&plug->lock);
          plug->feeding = NULL;
          if (plug->unplugged)
            complete_locked (plug, u, -ENODEV, 0);
          else
            complete_locked (plug, u, plug->feeding_discarded ? -ENOENT : 0, u->len);
          if (!alive && !plug->unplugged && !plug->disconnect_pending)
            {
              /* dropped: off the bus once its last answers were read */
              plug->replug_ms = -1;
              plug->disconnect_pending = TRUE;
              bus_schedule (plug->dev->bus, DISCONNECT_GRACE_MS, force_disconnect_cb, plug);
              service_pending_in_locked (plug);
            }
          update_readiness_locked (plug);
          continue;
        }

      if (ub_emu_session_get_data_remaining (plug->session) == 0 && u->len > 0)
        command = g_strndup ((const char *) u->buf, MIN (u->len, 64));
      action = ub_emu_session_feed (plug->session, u->buf, u->len);

      g_mutex_lock (&plug->lock);
      plug->feeding = NULL;
      if (plug->unplugged)
        {
          complete_locked (plug, u, -ENODEV, 0);
        }
      else if (action == UB_EMU_ACTION_CONTINUE)
        {
          complete_locked (plug, u, plug->feeding_discarded ? -ENOENT : 0, u->len);
        }
      else if (action == UB_EMU_ACTION_STALL)
        {
          plug->stalled = TRUE;
          if (plug->feeding_discarded)
            complete_locked (plug, u, -ENOENT, 0);
          else
            g_queue_push_head (&plug->pending_out, u);   /* never completes */
        }
      else /* UB_EMU_ACTION_DISCONNECT */
        {
          decide_replug_locked (plug, command);
          if (command != NULL)
            {
              /* A reboot: the command went through and its OKAY is queued
               * (or already delivered); drop off once it was read. */
              complete_locked (plug, u, 0, u->len);
              plug->disconnect_pending = TRUE;
              bus_schedule (plug->dev->bus, DISCONNECT_GRACE_MS, force_disconnect_cb, plug);
              service_pending_in_locked (plug);
            }
          else
            {
              complete_locked (plug, u, -ENODEV, 0);
              unplug_now_locked (plug);
            }
        }
      update_readiness_locked (plug);
    }
  g_mutex_unlock (&plug->lock);
  return NULL;
}

/* ------------------------------------------------------------------ usbdevfs ioctls (worker thread) */

static void
handle_control_locked (Plug *plug,
                       Urb  *u)
{
  struct usb_ctrlrequest setup;
  g_autoptr(GBytes) reply = NULL;
  guint16 value, length;
  gsize rlen, n;
  const guint8 *r;

  if (u->len < 8)
    {
      complete_locked (plug, u, -EINVAL, 0);
      return;
    }
  memcpy (&setup, u->buf, 8);
  value = GUINT16_FROM_LE (setup.wValue);
  length = GUINT16_FROM_LE (setup.wLength);

  if (setup.bRequestType == USB_DIR_IN && setup.bRequest == USB_REQ_GET_DESCRIPTOR)
    {
      switch (value >> 8)
        {
        case USB_DT_DEVICE:
          reply = g_bytes_new_from_bytes (plug->descriptors, 0, 18);
          break;
        case USB_DT_CONFIG:
          reply = g_bytes_new_from_bytes (plug->descriptors, 18,
                                          g_bytes_get_size (plug->descriptors) - 18);
          break;
        case USB_DT_STRING:
          reply = string_descriptor (plug, value & 0xff);
          break;
        default:
          break;
        }
    }
  else if ((setup.bRequestType & USB_DIR_IN) && setup.bRequest == USB_REQ_GET_STATUS)
    {
      static const guint8 status[2] = { 0, 0 };
      reply = g_bytes_new_static (status, sizeof status);
    }
  else if (setup.bRequestType == USB_DIR_IN && setup.bRequest == USB_REQ_GET_CONFIGURATION)
    {
      static const guint8 config[1] = { 1 };
      reply = g_bytes_new_static (config, sizeof config);
    }
  else if (!(setup.bRequestType & USB_DIR_IN))
    {
      complete_locked (plug, u, 0, 0);   /* OUT requests without data stage */
      return;
    }

  if (reply == NULL)
    {
      complete_locked (plug, u, -EPIPE, 0);   /* STALL */
      return;
    }
  r = g_bytes_get_data (reply, &rlen);
  n = MIN (MIN (rlen, (gsize) length), u->len - 8);
  memcpy (u->buf + 8, r, n);
  complete_locked (plug, u, 0, n);
}

static void
do_submit_locked (Plug                *plug,
                  UMockdevIoctlClient *client,
                  UMockdevIoctlData   *arg)
{
  g_autoptr(GError) error = NULL;
  UMockdevIoctlData *urbd;
  struct usbdevfs_urb *urb;
  Urb *u;

  urbd = umockdev_ioctl_data_resolve (arg, 0, sizeof (struct usbdevfs_urb), &error);
  if (urbd == NULL)
    {
      g_warning ("emu-usb: cannot resolve URB: %s", error ? error->message : "?");
      umockdev_ioctl_client_complete (client, -1, EFAULT);
      return;
    }
  urb = (struct usbdevfs_urb *) urbd->data;
  u = g_new0 (Urb, 1);
  u->urbd = urbd;
  u->endpoint = urb->endpoint;
  u->type = urb->type;
  u->len = urb->buffer_length > 0 ? (gsize) urb->buffer_length : 0;
  if (u->len > 0)
    {
      UMockdevIoctlData *bufd =
        umockdev_ioctl_data_resolve (urbd, G_STRUCT_OFFSET (struct usbdevfs_urb, buffer),
                                     u->len, &error);
      if (bufd == NULL)
        {
          g_warning ("emu-usb: cannot resolve URB buffer: %s", error ? error->message : "?");
          urb_free (u);
          umockdev_ioctl_client_complete (client, -1, EFAULT);
          return;
        }
      u->buf = bufd->data;   /* owned by urbd (child) */
      g_object_unref (bufd);
    }
  plug->st.n_submit++;

  if (u->type == USBDEVFS_URB_TYPE_CONTROL && u->endpoint == 0)
    {
      handle_control_locked (plug, u);
    }
  else if (u->type == USBDEVFS_URB_TYPE_BULK && u->endpoint == EP_OUT)
    {
      gsize max = (gsize) g_atomic_int_get (&plug->dev->max_urb);

      if (plug->claimed_by == NULL)
        {
          urb_free (u);
          umockdev_ioctl_client_complete (client, -1, EINVAL);
          return;
        }
      if (max > 0 && u->len > max)
        {
          plug->st.n_enomem++;
          urb_free (u);
          umockdev_ioctl_client_complete (client, -1, ENOMEM);
          return;
        }
      plug->st.bulk_out_urbs++;
      plug->st.bulk_out_bytes += u->len;
      plug->st.max_out_urb = MAX (plug->st.max_out_urb, u->len);
      if (u->len == 0 && plug->kind == UB_EMU_USB_RECOVERY)
        plug->st.n_zero_length_out_adb++;
      else if (u->len == 0)
        plug->st.n_zero_length_out++;
      if (plug->session == NULL && plug->rsession == NULL)
        {
          complete_locked (plug, u, -EPIPE, 0);
        }
      else
        {
          g_queue_push_tail (&plug->pending_out, u);
          g_cond_signal (&plug->cond);
        }
    }
  else if (u->type == USBDEVFS_URB_TYPE_BULK && u->endpoint == EP_IN)
    {
      if (plug->claimed_by == NULL)
        {
          urb_free (u);
          umockdev_ioctl_client_complete (client, -1, EINVAL);
          return;
        }
      g_queue_push_tail (&plug->pending_in, u);
      service_pending_in_locked (plug);
    }
  else
    {
      urb_free (u);
      umockdev_ioctl_client_complete (client, -1, ENOENT);
      return;
    }
  update_readiness_locked (plug);
  umockdev_ioctl_client_complete (client, 0, 0);
}

static void
do_reap_locked (Plug                *plug,
                UMockdevIoctlClient *client,
                UMockdevIoctlData   *arg)
{
  g_autoptr(GError) error = NULL;
  UMockdevIoctlData *pp;
  struct usbdevfs_urb *urb;
  Urb *u = g_queue_pop_head (&plug->reapable);

  if (u == NULL)
    {
      plug->st.n_reap_eagain++;
      update_readiness_locked (plug);
      umockdev_ioctl_client_complete (client, -1, plug->unplugged ? ENODEV : EAGAIN);
      return;
    }
  pp = umockdev_ioctl_data_resolve (arg, 0, sizeof (gpointer), &error);
  if (pp == NULL)
    {
      g_warning ("emu-usb: cannot resolve reap argument: %s", error ? error->message : "?");
      g_queue_push_head (&plug->reapable, u);
      umockdev_ioctl_client_complete (client, -1, EFAULT);
      return;
    }
  urb = (struct usbdevfs_urb *) u->urbd->data;
  urb->status = u->status;
  urb->actual_length = (int) u->actual;
  umockdev_ioctl_data_set_ptr (pp, 0, u->urbd);
  plug->st.n_reap++;
  update_readiness_locked (plug);
  umockdev_ioctl_client_complete (client, 0, 0);
  g_object_unref (pp);
  urb_free (u);
}

static gboolean
discard_in_queue_locked (Plug   *plug,
                         GQueue *queue,
                         gulong  addr)
{
  for (GList *l = queue->head; l != NULL; l = l->next)
    {
      Urb *u = l->data;

      if (u->urbd->client_addr == addr)
        {
          g_queue_delete_link (queue, l);
          complete_locked (plug, u, -ENOENT, 0);
          return TRUE;
        }
    }
  return FALSE;
}

static void
do_discard_locked (Plug                *plug,
                   UMockdevIoctlClient *client,
                   UMockdevIoctlData   *arg)
{
  gulong addr = *(gulong *) arg->data;   /* _IO: the argument is the URB address */

  plug->st.n_discard++;
  if (discard_in_queue_locked (plug, &plug->pending_in, addr) ||
      discard_in_queue_locked (plug, &plug->pending_out, addr))
    {
      update_readiness_locked (plug);
      umockdev_ioctl_client_complete (client, 0, 0);
      return;
    }
  if (plug->feeding != NULL && plug->feeding->urbd->client_addr == addr)
    {
      plug->feeding_discarded = TRUE;
      umockdev_ioctl_client_complete (client, 0, 0);
      return;
    }
  umockdev_ioctl_client_complete (client, -1, EINVAL);   /* already completed */
}

static gboolean
on_handle_ioctl (UMockdevIoctlBase   *base,
                 UMockdevIoctlClient *client,
                 gpointer             user_data)
{
  Plug *plug = user_data;
  gulong request = umockdev_ioctl_client_get_request (client);
  UMockdevIoctlData *arg = umockdev_ioctl_client_get_arg (client);
  g_autoptr(GError) error = NULL;
  g_autoptr(UMockdevIoctlData) d = NULL;

  g_mutex_lock (&plug->lock);
  plug->st.n_ioctl++;

  if (plug->unplugged && request != USBDEVFS_REAPURBNDELAY && request != USBDEVFS_REAPURB &&
      request != USBDEVFS_RELEASEINTERFACE && request != USBDEVFS_DISCARDURB)
    {
      umockdev_ioctl_client_complete (client, -1, ENODEV);
      goto out;
    }

  switch (request)
    {
    case USBDEVFS_GET_CAPABILITIES:
      d = umockdev_ioctl_data_resolve (arg, 0, sizeof (guint32), &error);
      if (d == NULL)
        {
          umockdev_ioctl_client_complete (client, -1, EFAULT);
          break;
        }
      *(guint32 *) d->data = USBDEVFS_CAP_ZERO_PACKET | USBDEVFS_CAP_BULK_CONTINUATION |
                             USBDEVFS_CAP_NO_PACKET_SIZE_LIM |
                             USBDEVFS_CAP_BULK_SCATTER_GATHER |
                             USBDEVFS_CAP_REAP_AFTER_DISCONNECT;
      umockdev_ioctl_client_complete (client, 0, 0);
      break;

    case USBDEVFS_CLAIMINTERFACE:
    case USBDEVFS_RELEASEINTERFACE:
      {
        unsigned int iface;
        int err = g_atomic_int_get (&plug->dev->claim_errno);

        d = umockdev_ioctl_data_resolve (arg, 0, sizeof (unsigned int), &error);
        if (d == NULL)
          {
            umockdev_ioctl_client_complete (client, -1, EFAULT);
            break;
          }
        iface = *(unsigned int *) d->data;
        if (iface != 0)
          umockdev_ioctl_client_complete (client, -1, ENOENT);
        else if (request == USBDEVFS_RELEASEINTERFACE)
          {
            if (plug->claimed_by == client)
              g_clear_object (&plug->claimed_by);
            update_driver_link_locked (plug);
            umockdev_ioctl_client_complete (client, 0, 0);
          }
        else if (err != 0)
          umockdev_ioctl_client_complete (client, -1, err);
        else
          {
            /* a client that closed its fd released its claims */
            if (plug->claimed_by != NULL &&
                !umockdev_ioctl_client_get_connected (plug->claimed_by))
              g_clear_object (&plug->claimed_by);
            if (plug->claimed_by != NULL && plug->claimed_by != client)
              umockdev_ioctl_client_complete (client, -1, EBUSY);
            else
              {
                g_set_object (&plug->claimed_by, client);
                update_driver_link_locked (plug);
                umockdev_ioctl_client_complete (client, 0, 0);
              }
          }
        break;
      }

    case USBDEVFS_GETDRIVER:   /* no kernel driver bound */
    case USBDEVFS_IOCTL:       /* detach/attach kernel driver */
      umockdev_ioctl_client_complete (client, -1, ENODATA);
      break;

    case USBDEVFS_CONNECTINFO:
      {
        struct usbdevfs_connectinfo *ci;

        d = umockdev_ioctl_data_resolve (arg, 0, sizeof (struct usbdevfs_connectinfo), &error);
        if (d == NULL)
          {
            umockdev_ioctl_client_complete (client, -1, EFAULT);
            break;
          }
        ci = (struct usbdevfs_connectinfo *) d->data;
        ci->devnum = plug->devnum;
        ci->slow = 0;
        umockdev_ioctl_client_complete (client, 0, 0);
        break;
      }

    case USBDEVFS_GET_SPEED:
      umockdev_ioctl_client_complete (client, 3 /* USB_SPEED_HIGH */, 0);
      break;

    case USBDEVFS_SETCONFIGURATION:
    case USBDEVFS_SETINTERFACE:
    case USBDEVFS_CLEAR_HALT:
    case USBDEVFS_RESETEP:
    case USBDEVFS_RESET:
      umockdev_ioctl_client_complete (client, 0, 0);
      break;

    case USBDEVFS_SUBMITURB:
      do_submit_locked (plug, client, arg);
      break;

    case USBDEVFS_REAPURB:
    case USBDEVFS_REAPURBNDELAY:
      do_reap_locked (plug, client, arg);
      break;

    case USBDEVFS_DISCARDURB:
      do_discard_locked (plug, client, arg);
      break;

    default:
      g_debug ("emu-usb: unhandled ioctl 0x%lx", request);
      umockdev_ioctl_client_complete (client, -1, ENOTTY);
      break;
    }

out:
  g_mutex_unlock (&plug->lock);
  if (error != NULL)
    g_warning ("emu-usb: %s", error->message);
  return TRUE;
}

/* ------------------------------------------------------------------ plugging (bus->lock held where noted) */

static char *
hex (const guint8 *data,
     gsize         len)
{
  GString *s = g_string_sized_new (len * 2);

  for (gsize i = 0; i < len; i++)
    g_string_append_printf (s, "%02X", data[i]);
  return g_string_free (s, FALSE);
}

/* "/devices/pci0000:00/0000:00:14.0/usb1/1-5/1-5.2" for port "1-5.2" */
static char *
port_devpath (const char *port,
              guint       busnum)
{
  GString *s = g_string_new (NULL);
  const char *dash = strchr (port, '-');
  const char *p;

  g_string_append_printf (s, "/devices/pci0000:00/0000:00:14.0/usb%u", busnum);
  g_assert (dash != NULL);
  for (p = strchr (dash, '.'); p != NULL; p = strchr (p + 1, '.'))
    {
      g_string_append_c (s, '/');
      g_string_append_len (s, port, p - port);
    }
  g_string_append_c (s, '/');
  g_string_append (s, port);
  return g_string_free (s, FALSE);
}

static gboolean
plug_in (UbEmuUsbDevice *dev,
         UbEmuUsbKind    kind,
         GError        **error)
{
  UbEmuUsb *bus = dev->bus;
  Plug *plug;
  g_autofree char *deschex = NULL;
  g_autofree char *description = NULL;
  g_autofree char *root = NULL;
  g_autofree char *node = NULL;
  guint16 vid = dev->vendor_id, pid = dev->product_id;
  guint8 cls = dev->iface_class, sub = dev->iface_subclass, proto = dev->iface_protocol;
  const char *dash = strchr (dev->port, '-');
  guint minor;

  if (kind == UB_EMU_USB_ADB && dev->kind == UB_EMU_USB_FASTBOOT)
    {
      /* the phone came back booted into Android */
      vid = 0x2717;
      pid = 0xff48;
      cls = 0xff;
      sub = 0x42;
      proto = 0x01;
    }

  plug = g_new0 (Plug, 1);
  plug->dev = dev;
  plug->kind = kind;
  plug->fifo_fd = -1;
  plug->replug_ms = -1;
  g_mutex_init (&plug->lock);
  g_cond_init (&plug->cond);
  g_queue_init (&plug->reapable);
  g_queue_init (&plug->pending_in);
  g_queue_init (&plug->pending_out);
  g_queue_init (&plug->responses);

  plug->devnum = bus->next_devnum;
  bus->next_devnum = bus->next_devnum >= 127 ? 2 : bus->next_devnum + 1;
  minor = (dev->busnum - 1) * 128 + (plug->devnum - 1);
  plug->devpath = port_devpath (dev->port, dev->busnum);
  plug->syspath = g_strconcat ("/sys", plug->devpath, NULL);
  plug->devnode = g_strdup_printf ("/dev/bus/usb/%03u/%03u", dev->busnum, plug->devnum);

  plug->descriptors = build_descriptors (vid, pid, cls, sub, proto);
  plug->iface_name = interface_name (dev, kind);
  deschex = hex (g_bytes_get_data (plug->descriptors, NULL),
                 g_bytes_get_size (plug->descriptors));
  description = g_strdup_printf (
    "P: %s\n"
    "N: bus/usb/%03u/%03u\n"
    "E: DEVNAME=%s\n"
    "E: DEVTYPE=usb_device\n"
    "E: DRIVER=usb\n"
    "E: PRODUCT=%x/%x/100\n"
    "E: TYPE=0/0/0\n"
    "E: BUSNUM=%03u\n"
    "E: DEVNUM=%03u\n"
    "E: MAJOR=189\n"
    "E: MINOR=%u\n"
    "E: SUBSYSTEM=usb\n"
    "E: ID_SERIAL_SHORT=%s\n"
    "A: idVendor=%04x\\n\n"
    "A: idProduct=%04x\\n\n"
    "A: bcdDevice=0100\\n\n"
    "A: manufacturer=Google\\n\n"
    "A: product=Android\\n\n"
    "A: serial=%s\\n\n"
    "A: busnum=%u\\n\n"
    "A: devnum=%u\\n\n"
    "A: devpath=%s\\n\n"
    "A: speed=480\\n\n"
    "A: version= 2.00\\n\n"
    "A: bDeviceClass=00\\n\n"
    "A: bMaxPacketSize0=64\\n\n"
    "A: bConfigurationValue=1\\n\n"
    "A: bNumConfigurations=1\\n\n"
    "A: bNumInterfaces= 1\\n\n"
    "A: dev=189:%u\\n\n"
    "H: descriptors=%s\n"
    "\n"
    "P: %s/%s:1.0\n"
    "E: DEVTYPE=usb_interface\n"
    "E: INTERFACE=%u/%u/%u\n"
    "E: PRODUCT=%x/%x/100\n"
    "E: TYPE=0/0/0\n"
    "E: SUBSYSTEM=usb\n"
    "A: bInterfaceClass=%02x\\n\n"
    "A: bInterfaceSubClass=%02x\\n\n"
    "A: bInterfaceProtocol=%02x\\n\n"
    "A: bInterfaceNumber=00\\n\n"
    "A: bAlternateSetting= 0\\n\n"
    "A: bNumEndpoints=02\\n\n"
    "A: interface=%s\\n\n",
    plug->devpath, dev->busnum, plug->devnum, plug->devnode, vid, pid,
    dev->busnum, plug->devnum, minor, dev->serial,
    vid, pid, dev->serial, dev->busnum, plug->devnum, dash + 1, minor, deschex,
    plug->devpath, dev->port, cls, sub, proto, vid, pid, cls, sub, proto,
    plug->iface_name);

  if (dev->phone != NULL && kind == UB_EMU_USB_FASTBOOT)
    {
      plug->session = ub_emu_session_new (dev->phone, on_session_output, plug);
      plug->feeder = g_thread_new ("emu-usb-feeder", feeder_thread, plug);
    }
  else if (dev->recovery != NULL && kind == UB_EMU_USB_RECOVERY)
    {
      /* its timers (silence, install delay) run on the bus thread */
      plug->rsession = ub_emu_recovery_session_new (dev->recovery, bus->context,
                                                    on_session_output, plug);
      plug->feeder = g_thread_new ("emu-usb-feeder", feeder_thread, plug);
    }

  /* The handler goes first, so a hotplug listener that opens the node at
   * once finds the socket. */
  plug->handler = umockdev_ioctl_base_new ();
  g_signal_connect (plug->handler, "handle-ioctl", G_CALLBACK (on_handle_ioctl), plug);
  if (!umockdev_testbed_attach_ioctl (bus->testbed, plug->devnode, plug->handler, error))
    goto fail;
  if (!umockdev_testbed_add_from_string (bus->testbed, description, error))
    goto fail;

  /* Replace the regular-file node by a FIFO we control (see update_readiness_locked). */
  root = umockdev_testbed_get_root_dir (bus->testbed);
  node = g_strconcat (root, plug->devnode, NULL);
  if (unlink (node) < 0 || mkfifo (node, 0666) < 0 ||
      (plug->fifo_fd = open (node, O_RDWR | O_NONBLOCK | O_CLOEXEC)) < 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
                   "Cannot make FIFO node %s: %s", node, g_strerror (errno));
      goto fail;
    }
  fcntl (plug->fifo_fd, F_SETPIPE_SZ, FIFO_SIZE);
  plug->driver_link = g_strdup_printf ("%s%s/%s:1.0/driver", root, plug->syspath, dev->port);
  if (g_atomic_int_get (&dev->node_mode) >= 0)
    chmod (node, (mode_t) g_atomic_int_get (&dev->node_mode));
  g_mutex_lock (&plug->lock);
  update_readiness_locked (plug);
  update_driver_link_locked (plug);
  g_mutex_unlock (&plug->lock);

  g_ptr_array_add (bus->plugs, plug);
  dev->plug = plug;
  dev->plug_count++;
  return TRUE;

fail:
  /* keep the half-made plug around (handler may be attached); mark it dead */
  g_mutex_lock (&plug->lock);
  plug->unplugged = TRUE;
  plug->stop = TRUE;
  g_cond_broadcast (&plug->cond);
  g_mutex_unlock (&plug->lock);
  plug->removed = TRUE;
  g_ptr_array_add (bus->plugs, plug);
  return FALSE;
}

static gboolean
replug_cb (gpointer data)
{
  UbEmuUsbDevice *dev = data;
  UbEmuUsb *bus = dev->bus;
  g_autoptr(GError) error = NULL;

  g_mutex_lock (&bus->lock);
  if (dev->plug == NULL && !plug_in (dev, dev->next_kind, &error))
    g_warning ("emu-usb: replug of %s failed: %s", dev->path, error->message);
  g_mutex_unlock (&bus->lock);
  g_atomic_int_dec_and_test (&bus->n_pending);
  return G_SOURCE_REMOVE;
}

/* Removes the sysfs side of an unplugged plug and stops its feeder; may
 * schedule a replug. Runs on the bus thread or a test thread. */
static void
plug_remove (Plug *plug)
{
  UbEmuUsbDevice *dev = plug->dev;
  UbEmuUsb *bus = dev->bus;
  g_autofree char *iface = NULL;
  GThread *feeder;
  int replug_ms;

  g_mutex_lock (&bus->lock);
  if (plug->removed)
    {
      g_mutex_unlock (&bus->lock);
      return;
    }
  plug->removed = TRUE;

  /* umockdev cannot remove a directory holding a dangling symlink */
  g_mutex_lock (&plug->lock);
  update_driver_link_locked (plug);   /* unplugged: unbinds */
  g_mutex_unlock (&plug->lock);

  /* the uevent sender reads sysfs, so "remove" goes before the removal */
  umockdev_testbed_uevent (bus->testbed, plug->syspath, "remove");
  iface = g_strdup_printf ("%s/%s:1.0", plug->syspath, dev->port);
  umockdev_testbed_remove_device (bus->testbed, iface);
  umockdev_testbed_remove_device (bus->testbed, plug->syspath);

  g_mutex_lock (&plug->lock);
  feeder = g_steal_pointer (&plug->feeder);
  replug_ms = plug->replug_ms;
  dev->next_kind = plug->replug_kind;
  dev->last_stats = plug->st;
  g_clear_object (&plug->claimed_by);
  g_mutex_unlock (&plug->lock);
  if (dev->plug == plug)
    dev->plug = NULL;
  g_mutex_unlock (&bus->lock);

  if (feeder != NULL)
    g_thread_join (feeder);
  g_clear_object (&plug->session);
  if (plug->rsession != NULL)
    g_object_run_dispose (G_OBJECT (plug->rsession));  /* its timers */
  g_clear_object (&plug->rsession);

  if (replug_ms >= 0)
    bus_schedule (bus, replug_ms, replug_cb, dev);
}

static void
plug_free (Plug *plug)
{
  UbEmuUsb *bus = plug->dev->bus;
  Urb *u;

  if (plug->handler != NULL)
    {
      umockdev_testbed_detach_ioctl (bus->testbed, plug->devnode, NULL);
      g_clear_object (&plug->handler);
    }
  if (plug->feeder != NULL)
    g_thread_join (plug->feeder);
  g_clear_object (&plug->session);
  if (plug->rsession != NULL)
    g_object_run_dispose (G_OBJECT (plug->rsession));
  g_clear_object (&plug->rsession);
  while ((u = g_queue_pop_head (&plug->reapable)) != NULL)
    urb_free (u);
  while ((u = g_queue_pop_head (&plug->pending_in)) != NULL)
    urb_free (u);
  while ((u = g_queue_pop_head (&plug->pending_out)) != NULL)
    urb_free (u);
  g_queue_clear_full (&plug->responses, (GDestroyNotify) g_bytes_unref);
  g_queue_init (&plug->responses);
  g_clear_object (&plug->claimed_by);
  g_clear_pointer (&plug->descriptors, g_bytes_unref);
  g_free (plug->iface_name);
  g_free (plug->driver_link);
  if (plug->fifo_fd >= 0)
    close (plug->fifo_fd);
  g_free (plug->devpath);
  g_free (plug->syspath);
  g_free (plug->devnode);
  g_mutex_clear (&plug->lock);
  g_cond_clear (&plug->cond);
  g_free (plug);
}

/* ------------------------------------------------------------------ bus */

static gpointer
bus_thread (gpointer data)
{
  UbEmuUsb *self = data;

  g_main_context_push_thread_default (self->context);
  g_main_loop_run (self->loop);
  g_main_context_pop_thread_default (self->context);
  return NULL;
}

static gboolean
bus_quit_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

static void
device_free (UbEmuUsbDevice *dev)
{
  g_clear_object (&dev->phone);
  g_clear_object (&dev->recovery);
  g_free (dev->port);
  g_free (dev->path);
  g_free (dev->serial);
  g_free (dev);
}

static void
ub_emu_usb_finalize (GObject *object)
{
  UbEmuUsb *self = UB_EMU_USB (object);

  /* stop delayed work first; quit from inside the loop, which may not be
   * running yet (a quit before g_main_loop_run() would be lost) */
  g_main_context_invoke (self->context, bus_quit_cb, self->loop);
  g_thread_join (self->thread);

  for (guint i = 0; i < self->plugs->len; i++)
    {
      Plug *plug = g_ptr_array_index (self->plugs, i);

      g_mutex_lock (&plug->lock);
      plug->replug_ms = -1;
      plug->stop = TRUE;
      plug->unplugged = TRUE;
      fail_all_locked (plug, -ENODEV);
      update_driver_link_locked (plug);
      g_cond_broadcast (&plug->cond);
      g_mutex_unlock (&plug->lock);
    }
  for (guint i = 0; i < self->plugs->len; i++)
    plug_free (g_ptr_array_index (self->plugs, i));
  g_ptr_array_free (self->plugs, TRUE);
  g_ptr_array_free (self->devices, TRUE);
  g_hash_table_unref (self->ports);
  g_clear_object (&self->testbed);
  g_main_loop_unref (self->loop);
  g_main_context_unref (self->context);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (ub_emu_usb_parent_class)->finalize (object);
}

static void
ub_emu_usb_class_init (UbEmuUsbClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ub_emu_usb_finalize;
}

static void
ub_emu_usb_init (UbEmuUsb *self)
{
  g_mutex_init (&self->lock);
  self->devices = g_ptr_array_new_with_free_func ((GDestroyNotify) device_free);
  self->plugs = g_ptr_array_new ();
  self->ports = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->next_devnum = 2;
  self->next_port = 1;
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
}

UbEmuUsb *
ub_emu_usb_new (GError **error)
{
  g_autoptr(UMockdevTestbed) testbed = umockdev_testbed_new ();
  UbEmuUsb *self;

  /* Only after creating the testbed (umockdev caches the answer). */
  if (!umockdev_in_mock_environment ())
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           "Not running under the umockdev preload (use umockdev-wrapper)");
      return NULL;
    }
  self = g_object_new (UB_TYPE_EMU_USB, NULL);
  self->testbed = g_steal_pointer (&testbed);
  self->thread = g_thread_new ("emu-usb-bus", bus_thread, self);
  return self;
}

UMockdevTestbed *
ub_emu_usb_get_testbed (UbEmuUsb *self)
{
  g_return_val_if_fail (UB_IS_EMU_USB (self), NULL);
  return self->testbed;
}

static UbEmuUsbDevice *add_device_locked (UbEmuUsb *self, UbEmuUsbKind kind, UbEmuPhone *phone,
                                          UbEmuRecovery *recovery,
                                          guint16 vid, guint16 pid, guint8 cls, guint8 sub,
                                          guint8 proto, const char *serial, const char *port,
                                          GError **error);

/* Makes sure every hub above @port exists ("1-5" for "1-5.2"). */
static gboolean
ensure_hubs_locked (UbEmuUsb   *self,
                    const char *port,
                    GError    **error)
{
  const char *dot = strrchr (port, '.');
  g_autofree char *parent = NULL;

  if (dot == NULL)
    return TRUE;
  parent = g_strndup (port, dot - port);
  if (g_hash_table_contains (self->ports, parent))
    return TRUE;
  return add_device_locked (self, UB_EMU_USB_OTHER, NULL, NULL, 0x05e3, 0x0608, 0x09, 0x00, 0x00,
                            NULL, parent, error) != NULL;
}

static UbEmuUsbDevice *
add_device_locked (UbEmuUsb     *self,
                   UbEmuUsbKind  kind,
                   UbEmuPhone   *phone,
                   UbEmuRecovery *recovery,
                   guint16       vid,
                   guint16       pid,
                   guint8        cls,
                   guint8        sub,
                   guint8        proto,
                   const char   *serial,
                   const char   *port,
                   GError      **error)
{
  UbEmuUsbDevice *dev;
  g_autofree char *auto_port = NULL;
  guint busnum = 0;

  if (port == NULL)
    {
      do
        {
          g_free (auto_port);
          auto_port = g_strdup_printf ("1-%u", self->next_port++);
        }
      while (g_hash_table_contains (self->ports, auto_port));
      port = auto_port;
    }
  if (sscanf (port, "%u-", &busnum) != 1 || busnum == 0 || strchr (port, '-') == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "Bad port name “%s”", port);
      return NULL;
    }
  if (g_hash_table_contains (self->ports, port))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS, "Port %s is taken", port);
      return NULL;
    }
  if (!ensure_hubs_locked (self, port, error))
    return NULL;

  dev = g_new0 (UbEmuUsbDevice, 1);
  dev->bus = self;
  dev->kind = kind;
  dev->phone = phone != NULL ? g_object_ref (phone) : NULL;
  dev->recovery = recovery != NULL ? g_object_ref (recovery) : NULL;
  dev->port = g_strdup (port);
  dev->path = g_strconcat ("usb:", port, NULL);
  dev->busnum = busnum;
  dev->serial = g_strdup (serial != NULL ? serial : "");
  dev->vendor_id = vid;
  dev->product_id = pid;
  dev->iface_class = cls;
  dev->iface_subclass = sub;
  dev->iface_protocol = proto;
  dev->node_mode = -1;
  dev->replug_reboot_ms = 200;
  dev->replug_fault_ms = -1;
  g_ptr_array_add (self->devices, dev);
  g_hash_table_insert (self->ports, g_strdup (port), dev);

  if (!plug_in (dev, kind, error))
    return NULL;
  return dev;
}

UbEmuUsbDevice *
ub_emu_usb_add_phone (UbEmuUsb    *self,
                      UbEmuPhone  *phone,
                      const char  *port,
                      GError     **error)
{
  UbEmuUsbDevice *dev;

  g_return_val_if_fail (UB_IS_EMU_USB (self), NULL);
  g_return_val_if_fail (UB_IS_EMU_PHONE (phone), NULL);

  g_mutex_lock (&self->lock);
  dev = add_device_locked (self, UB_EMU_USB_FASTBOOT, phone, NULL, 0x18d1, 0xd00d, 0xff, 0x42, 0x03,
                           ub_emu_phone_get_serial (phone), port, error);
  g_mutex_unlock (&self->lock);
  return dev;
}

UbEmuUsbDevice *
ub_emu_usb_add_recovery (UbEmuUsb       *self,
                         UbEmuRecovery  *recovery,
                         const char     *port,
                         GError        **error)
{
  UbEmuUsbDevice *dev;

  g_return_val_if_fail (UB_IS_EMU_USB (self), NULL);
  g_return_val_if_fail (UB_IS_EMU_RECOVERY (recovery), NULL);

  g_mutex_lock (&self->lock);
  /* AOSP recovery's sideload/adb ids (18d1:d001) */
  dev = add_device_locked (self, UB_EMU_USB_RECOVERY, NULL, recovery, 0x18d1, 0xd001, 0xff, 0x42, 0x01,
                           ub_emu_recovery_get_info (recovery, "sn"), port, error);
  g_mutex_unlock (&self->lock);
  return dev;
}

UbEmuUsbDevice *
ub_emu_usb_add_device (UbEmuUsb     *self,
                       UbEmuUsbKind  kind,
                       guint16       vendor_id,
                       guint16       product_id,
                       guint8        iface_class,
                       guint8        iface_subclass,
                       guint8        iface_protocol,
                       const char   *serial,
                       const char   *port,
                       GError      **error)
{
  UbEmuUsbDevice *dev;

  g_return_val_if_fail (UB_IS_EMU_USB (self), NULL);
  g_return_val_if_fail (kind != UB_EMU_USB_FASTBOOT, NULL);

  g_mutex_lock (&self->lock);
  dev = add_device_locked (self, kind, NULL, NULL, vendor_id, product_id, iface_class,
                           iface_subclass, iface_protocol, serial, port, error);
  g_mutex_unlock (&self->lock);
  return dev;
}

gboolean
ub_emu_usb_settle (UbEmuUsb *self,
                   guint     timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * G_TIME_SPAN_MILLISECOND;

  g_return_val_if_fail (UB_IS_EMU_USB (self), FALSE);
  while (g_atomic_int_get (&self->n_pending) > 0)
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      g_usleep (5 * G_TIME_SPAN_MILLISECOND);
    }
  return TRUE;
}

/* ------------------------------------------------------------------ device API */

void
ub_emu_usb_device_unplug (UbEmuUsbDevice *dev)
{
  Plug *plug;

  g_mutex_lock (&dev->bus->lock);
  plug = dev->plug;
  g_mutex_unlock (&dev->bus->lock);
  if (plug == NULL)
    return;

  g_mutex_lock (&plug->lock);
  if (!plug->unplugged)
    {
      plug->unplugged = TRUE;
      plug->disconnect_pending = FALSE;
      plug->replug_ms = -1;
      fail_all_locked (plug, -ENODEV);
      plug->stop = TRUE;
      g_cond_broadcast (&plug->cond);
      update_readiness_locked (plug);
    }
  g_mutex_unlock (&plug->lock);
  plug_remove (plug);
}

gboolean
ub_emu_usb_device_replug (UbEmuUsbDevice *dev,
                          GError        **error)
{
  gboolean ret = TRUE;

  ub_emu_usb_device_unplug (dev);
  g_mutex_lock (&dev->bus->lock);
  if (dev->plug == NULL)
    ret = plug_in (dev, dev->kind, error);
  g_mutex_unlock (&dev->bus->lock);
  return ret;
}

void
ub_emu_usb_device_stall (UbEmuUsbDevice *dev)
{
  Plug *plug;

  g_mutex_lock (&dev->bus->lock);
  plug = dev->plug;
  g_mutex_unlock (&dev->bus->lock);
  if (plug == NULL)
    return;
  g_mutex_lock (&plug->lock);
  plug->stalled = TRUE;
  g_mutex_unlock (&plug->lock);
}

gboolean
ub_emu_usb_device_is_plugged (UbEmuUsbDevice *dev)
{
  gboolean ret;

  g_mutex_lock (&dev->bus->lock);
  ret = dev->plug != NULL;
  g_mutex_unlock (&dev->bus->lock);
  return ret;
}

guint
ub_emu_usb_device_get_plug_count (UbEmuUsbDevice *dev)
{
  guint ret;

  g_mutex_lock (&dev->bus->lock);
  ret = dev->plug_count;
  g_mutex_unlock (&dev->bus->lock);
  return ret;
}

UbEmuUsbKind
ub_emu_usb_device_get_kind (UbEmuUsbDevice *dev)
{
  return dev->kind;
}

const char *
ub_emu_usb_device_get_path (UbEmuUsbDevice *dev)
{
  return dev->path;
}

const char *
ub_emu_usb_device_get_serial (UbEmuUsbDevice *dev)
{
  return dev->serial;
}

void
ub_emu_usb_device_get_stats (UbEmuUsbDevice *dev,
                             UbEmuUsbStats  *stats)
{
  Plug *plug;

  g_mutex_lock (&dev->bus->lock);
  plug = dev->plug;
  if (plug == NULL)
    *stats = dev->last_stats;
  else
    {
      g_mutex_lock (&plug->lock);
      *stats = plug->st;
      g_mutex_unlock (&plug->lock);
    }
  g_mutex_unlock (&dev->bus->lock);
}

void
ub_emu_usb_device_set_claim_errno (UbEmuUsbDevice *dev,
                                   int             err)
{
  g_atomic_int_set (&dev->claim_errno, err);
  g_mutex_lock (&dev->bus->lock);
  if (dev->plug != NULL)
    {
      g_mutex_lock (&dev->plug->lock);
      update_driver_link_locked (dev->plug);
      g_mutex_unlock (&dev->plug->lock);
    }
  g_mutex_unlock (&dev->bus->lock);
}

void
ub_emu_usb_device_set_max_urb (UbEmuUsbDevice *dev,
                               gsize           size)
{
  g_atomic_int_set (&dev->max_urb, (gint) MIN (size, (gsize) G_MAXINT));
}

void
ub_emu_usb_device_set_replug_delays (UbEmuUsbDevice *dev,
                                     int             reboot_ms,
                                     int             fault_ms)
{
  g_atomic_int_set (&dev->replug_reboot_ms, reboot_ms);
  g_atomic_int_set (&dev->replug_fault_ms, fault_ms);
}

void
ub_emu_usb_device_set_node_mode (UbEmuUsbDevice *dev,
                                 guint           mode)
{
  g_autofree char *root = umockdev_testbed_get_root_dir (dev->bus->testbed);

  g_atomic_int_set (&dev->node_mode, (gint) mode);
  g_mutex_lock (&dev->bus->lock);
  if (dev->plug != NULL)
    {
      g_autofree char *node = g_strconcat (root, dev->plug->devnode, NULL);

      if (chmod (node, mode) < 0)
        g_warning ("emu-usb: chmod %s: %s", node, g_strerror (errno));
    }
  g_mutex_unlock (&dev->bus->lock);
}
