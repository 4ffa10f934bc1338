/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <libusb.h>

#include "ub-device-monitor.h"
#include "ub-fastboot-error.h"
#include "ub-usb-private.h"

/*
 * Design notes
 *
 * - libusb calls hotplug callbacks from inside event handling, i.e. from our
 *   GSource's dispatch, but also from the event handling that a synchronous
 *   transfer does internally (reading a serial while classifying). libusb
 *   forbids synchronous I/O inside the callback, and a model handler could
 *   call back into us, so the callback only queues the event (with a device
 *   reference) and an idle callback handles the queue.
 * - LEFT events are matched by libusb_device identity: one context keeps one
 *   libusb_device per connected device, and refresh() refreshes the entries'
 *   references.
 */

#define RETRY_DELAY_MS 250
#define MAX_ATTEMPTS   3

typedef struct {
  UbUsbDeviceInfo *info;
  libusb_device *dev;      /* NULL while stopped */
} Entry;

typedef struct {
  UbDeviceMonitor *self;
  libusb_device *dev;
  guint attempts;
  GSource *timeout;
} Retry;

typedef struct {
  libusb_device *dev;
  gboolean arrived;
} Event;

/* The GSource watching libusb's file descriptors. */
typedef struct {
  GSource source;
  libusb_context *ctx;
  GHashTable *tags;          /* fd -> tag */
  gboolean handles_timeouts; /* libusb uses a timerfd */
} UsbSource;

struct _UbDeviceMonitor
{
  GObject parent_instance;

  GPtrArray *entries;        /* Entry*, sorted by path */
  gboolean batch_changed;

  libusb_context *ctx;       /* NULL when stopped */
  gboolean hotplug;
  libusb_hotplug_callback_handle hotplug_handle;
  GMainContext *context;
  GSource *usb_source;
  GQueue events;             /* Event* from the hotplug callback */
  GSource *events_idle;
  GPtrArray *retries;        /* Retry* */
};

enum {
  SIGNAL_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void ub_device_monitor_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (UbDeviceMonitor, ub_device_monitor, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      ub_device_monitor_list_model_init))

/* ------------------------------------------------------------------ GListModel */

static GType
ub_device_monitor_get_item_type (GListModel *model)
{
  return UB_TYPE_USB_DEVICE_INFO;
}

static guint
ub_device_monitor_get_n_items (GListModel *model)
{
  return UB_DEVICE_MONITOR (model)->entries->len;
}

static gpointer
ub_device_monitor_get_item (GListModel *model,
                            guint       position)
{
  UbDeviceMonitor *self = UB_DEVICE_MONITOR (model);
  Entry *e;

  if (position >= self->entries->len)
    return NULL;
  e = g_ptr_array_index (self->entries, position);
  return g_object_ref (e->info);
}

static void
ub_device_monitor_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = ub_device_monitor_get_item_type;
  iface->get_n_items = ub_device_monitor_get_n_items;
  iface->get_item = ub_device_monitor_get_item;
}

/* ------------------------------------------------------------------ entries */

static void
entry_free (Entry *e)
{
  g_clear_object (&e->info);
  g_clear_pointer (&e->dev, libusb_unref_device);
  g_free (e);
}

static void
set_entry_dev (Entry         *e,
               libusb_device *dev)
{
  if (e->dev == dev)
    return;
  g_clear_pointer (&e->dev, libusb_unref_device);
  e->dev = dev != NULL ? libusb_ref_device (dev) : NULL;
}

/* Position of @path, or where it would be inserted (*@found FALSE). */
static guint
find_path (UbDeviceMonitor *self,
           const char      *path,
           gboolean        *found)
{
  guint i;

  for (i = 0; i < self->entries->len; i++)
    {
      Entry *e = g_ptr_array_index (self->entries, i);
      int cmp = g_strcmp0 (ub_usb_device_info_get_path (e->info), path);

      if (cmp >= 0)
        {
          *found = cmp == 0;
          return i;
        }
    }
  *found = FALSE;
  return i;
}

static void
remove_at (UbDeviceMonitor *self,
           guint            position)
{
  g_ptr_array_remove_index (self->entries, position);
  self->batch_changed = TRUE;
  g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 0);
}

/* Adds or updates the item for @info's path; takes @info. */
static void
upsert (UbDeviceMonitor *self,
        UbUsbDeviceInfo *info,
        libusb_device   *dev)
{
  gboolean found;
  guint pos = find_path (self, ub_usb_device_info_get_path (info), &found);
  Entry *e;

  if (found)
    {
      e = g_ptr_array_index (self->entries, pos);
      set_entry_dev (e, dev);
      if (ub_usb_device_info_equal (e->info, info))
        {
          g_object_unref (info);
          return;
        }
      g_object_unref (e->info);
      e->info = info;
      self->batch_changed = TRUE;
      g_list_model_items_changed (G_LIST_MODEL (self), pos, 1, 1);
      return;
    }
  e = g_new0 (Entry, 1);
  e->info = info;
  set_entry_dev (e, dev);
  g_ptr_array_insert (self->entries, pos, e);
  self->batch_changed = TRUE;
  g_list_model_items_changed (G_LIST_MODEL (self), pos, 0, 1);
}

static void
end_batch (UbDeviceMonitor *self)
{
  if (!self->batch_changed)
    return;
  self->batch_changed = FALSE;
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

/* ------------------------------------------------------------------ retries */

static void
retry_free (Retry *r)
{
  if (r->timeout != NULL)
    {
      g_source_destroy (r->timeout);
      g_source_unref (r->timeout);
    }
  libusb_unref_device (r->dev);
  g_free (r);
}

static void
cancel_retry (UbDeviceMonitor *self,
              libusb_device   *dev)
{
  for (guint i = 0; i < self->retries->len; i++)
    {
      Retry *r = g_ptr_array_index (self->retries, i);

      if (r->dev == dev)
        {
          g_ptr_array_remove_index (self->retries, i);
          return;
        }
    }
}

static gboolean on_retry (gpointer data);

static void
schedule_retry (UbDeviceMonitor *self,
                libusb_device   *dev,
                guint            attempts)
{
  Retry *r = g_new0 (Retry, 1);

  r->self = self;
  r->dev = libusb_ref_device (dev);
  r->attempts = attempts;
  r->timeout = g_timeout_source_new (RETRY_DELAY_MS);
  g_source_set_callback (r->timeout, on_retry, r, NULL);
  g_source_attach (r->timeout, self->context);
  g_ptr_array_add (self->retries, r);
}

/* Classifies a device that just arrived; retries a permission or busy
 * problem a few times before showing it. */
static void
classify_arrived (UbDeviceMonitor *self,
                  libusb_device   *dev,
                  guint            attempts)
{
  UbUsbDeviceInfo *info = ub_usb_classify_device (dev);

  attempts++;
  if (info == NULL)
    return;   /* not a phone, or gone already */
  if (ub_usb_device_info_get_problem (info) != UB_USB_ACCESS_OK && attempts < MAX_ATTEMPTS)
    {
      g_debug ("%s: %s right after arrival; retrying", ub_usb_device_info_get_path (info),
               ub_usb_device_info_get_problem (info) == UB_USB_ACCESS_BUSY ? "busy"
                                                                          : "no permission");
      g_object_unref (info);
      schedule_retry (self, dev, attempts);
      return;
    }
  upsert (self, info, dev);
}

static gboolean
on_retry (gpointer data)
{
  Retry *r = data;
  UbDeviceMonitor *self = r->self;
  libusb_device *dev = libusb_ref_device (r->dev);
  guint attempts = r->attempts;

  g_source_unref (g_steal_pointer (&r->timeout));
  g_ptr_array_remove (self->retries, r);   /* frees r */
  classify_arrived (self, dev, attempts);
  libusb_unref_device (dev);
  end_batch (self);
  return G_SOURCE_REMOVE;
}

/* ------------------------------------------------------------------ hotplug */

static void
device_left (UbDeviceMonitor *self,
             libusb_device   *dev)
{
  cancel_retry (self, dev);
  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *e = g_ptr_array_index (self->entries, i);

      if (e->dev == dev)
        {
          remove_at (self, i);
          return;
        }
    }
}

static gboolean
on_events_idle (gpointer data)
{
  UbDeviceMonitor *self = data;
  Event *ev;

  g_clear_pointer (&self->events_idle, g_source_unref);
  while ((ev = g_queue_pop_head (&self->events)) != NULL)
    {
      if (ev->arrived)
        {
          cancel_retry (self, ev->dev);
          classify_arrived (self, ev->dev, 0);
        }
      else
        {
          device_left (self, ev->dev);
        }
      libusb_unref_device (ev->dev);
      g_free (ev);
    }
  end_batch (self);
  return G_SOURCE_REMOVE;
}

static int LIBUSB_CALL
on_hotplug (libusb_context        *ctx,
            libusb_device         *dev,
            libusb_hotplug_event   event,
            void                  *user_data)
{
  UbDeviceMonitor *self = user_data;
  Event *ev = g_new0 (Event, 1);

  ev->dev = libusb_ref_device (dev);
  ev->arrived = event == LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED;
  g_queue_push_tail (&self->events, ev);
  if (self->events_idle == NULL)
    {
      self->events_idle = g_idle_source_new ();
      g_source_set_callback (self->events_idle, on_events_idle, self, NULL);
      g_source_attach (self->events_idle, self->context);
    }
  return 0;   /* stay registered */
}

/* ------------------------------------------------------------------ event source */

static void LIBUSB_CALL
on_pollfd_added (int    fd,
                 short  events,
                 void  *user_data)
{
  UsbSource *us = user_data;
  gpointer tag = g_hash_table_lookup (us->tags, GINT_TO_POINTER (fd));

  if (tag != NULL)
    g_source_modify_unix_fd (&us->source, tag, (GIOCondition) events);
  else
    g_hash_table_insert (us->tags, GINT_TO_POINTER (fd),
                         g_source_add_unix_fd (&us->source, fd, (GIOCondition) events));
}

static void LIBUSB_CALL
on_pollfd_removed (int   fd,
                   void *user_data)
{
  UsbSource *us = user_data;
  gpointer tag = g_hash_table_lookup (us->tags, GINT_TO_POINTER (fd));

  if (tag == NULL)
    return;
  g_source_remove_unix_fd (&us->source, tag);
  g_hash_table_remove (us->tags, GINT_TO_POINTER (fd));
}

/* Milliseconds until libusb's next internal timeout: -1 none, 0 due. */
static int
next_timeout_ms (UsbSource *us)
{
  struct timeval tv;

  if (us->handles_timeouts || libusb_get_next_timeout (us->ctx, &tv) != 1)
    return -1;
  return (int) MIN ((gint64) tv.tv_sec * 1000 + (tv.tv_usec + 999) / 1000, G_MAXINT);
}

static gboolean
usb_source_prepare (GSource *source,
                    int     *timeout)
{
  *timeout = next_timeout_ms ((UsbSource *) source);
  return *timeout == 0;
}

static gboolean
usb_source_check (GSource *source)
{
  UsbSource *us = (UsbSource *) source;
  GHashTableIter iter;
  gpointer tag;

  g_hash_table_iter_init (&iter, us->tags);
  while (g_hash_table_iter_next (&iter, NULL, &tag))
    if (g_source_query_unix_fd (source, tag) != 0)
      return TRUE;
  return next_timeout_ms (us) == 0;
}

static gboolean
usb_source_dispatch (GSource     *source,
                     GSourceFunc  callback,
                     gpointer     user_data)
{
  UsbSource *us = (UsbSource *) source;
  struct timeval zero = { 0, 0 };
  int r = libusb_handle_events_timeout_completed (us->ctx, &zero, NULL);

  if (r != 0 && r != LIBUSB_ERROR_INTERRUPTED && r != LIBUSB_ERROR_TIMEOUT)
    g_debug ("libusb_handle_events: %s", libusb_strerror (r));
  return G_SOURCE_CONTINUE;
}

static void
usb_source_finalize (GSource *source)
{
  g_clear_pointer (&((UsbSource *) source)->tags, g_hash_table_unref);
}

static GSourceFuncs usb_source_funcs = {
  .prepare = usb_source_prepare,
  .check = usb_source_check,
  .dispatch = usb_source_dispatch,
  .finalize = usb_source_finalize,
};

static GSource *
usb_source_new (libusb_context *ctx)
{
  GSource *source = g_source_new (&usb_source_funcs, sizeof (UsbSource));
  UsbSource *us = (UsbSource *) source;
  const struct libusb_pollfd **fds;

  us->ctx = ctx;
  us->tags = g_hash_table_new (NULL, NULL);
  us->handles_timeouts = libusb_pollfds_handle_timeouts (ctx) != 0;
  g_source_set_static_name (source, "libusb events");
  libusb_set_pollfd_notifiers (ctx, on_pollfd_added, on_pollfd_removed, us);
  fds = libusb_get_pollfds (ctx);
  for (guint i = 0; fds != NULL && fds[i] != NULL; i++)
    on_pollfd_added (fds[i]->fd, fds[i]->events, us);
  libusb_free_pollfds (fds);
  return source;
}

/* ------------------------------------------------------------------ public */

UbDeviceMonitor *
ub_device_monitor_new (void)
{
  return g_object_new (UB_TYPE_DEVICE_MONITOR, NULL);
}

GListModel *
ub_device_monitor_get_devices (UbDeviceMonitor *self)
{
  g_return_val_if_fail (UB_IS_DEVICE_MONITOR (self), NULL);
  return G_LIST_MODEL (self);
}

gboolean
ub_device_monitor_start (UbDeviceMonitor *self,
                         GError         **error)
{
  int r;

  g_return_val_if_fail (UB_IS_DEVICE_MONITOR (self), FALSE);
  if (self->ctx != NULL)
    return TRUE;

  r = libusb_init (&self->ctx);
  if (r != 0)
    {
      self->ctx = NULL;
      g_set_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_IO,
                   /* TRANSLATORS: %s: libusb's reason, in English */
                   _("Cannot use USB: %s"), libusb_strerror (r));
      return FALSE;
    }
  self->context = g_main_context_ref_thread_default ();

  self->hotplug = FALSE;
  if (libusb_has_capability (LIBUSB_CAP_HAS_HOTPLUG))
    {
      r = libusb_hotplug_register_callback (self->ctx,
                                            LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED |
                                            LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT,
                                            LIBUSB_HOTPLUG_NO_FLAGS,
                                            LIBUSB_HOTPLUG_MATCH_ANY,
                                            LIBUSB_HOTPLUG_MATCH_ANY,
                                            LIBUSB_HOTPLUG_MATCH_ANY,
                                            on_hotplug, self, &self->hotplug_handle);
      if (r == LIBUSB_SUCCESS)
        self->hotplug = TRUE;
      else
        g_debug ("libusb hotplug registration failed: %s", libusb_strerror (r));
    }

  self->usb_source = usb_source_new (self->ctx);
  g_source_attach (self->usb_source, self->context);

  ub_device_monitor_refresh (self);
  return TRUE;
}

void
ub_device_monitor_stop (UbDeviceMonitor *self)
{
  Event *ev;

  g_return_if_fail (UB_IS_DEVICE_MONITOR (self));
  if (self->ctx == NULL)
    return;

  libusb_set_pollfd_notifiers (self->ctx, NULL, NULL, NULL);
  if (self->hotplug)
    libusb_hotplug_deregister_callback (self->ctx, self->hotplug_handle);
  self->hotplug = FALSE;
  g_source_destroy (self->usb_source);
  g_clear_pointer (&self->usb_source, g_source_unref);
  if (self->events_idle != NULL)
    {
      g_source_destroy (self->events_idle);
      g_clear_pointer (&self->events_idle, g_source_unref);
    }
  while ((ev = g_queue_pop_head (&self->events)) != NULL)
    {
      libusb_unref_device (ev->dev);
      g_free (ev);
    }
  g_ptr_array_set_size (self->retries, 0);
  /* every device reference goes before libusb_exit */
  for (guint i = 0; i < self->entries->len; i++)
    set_entry_dev (g_ptr_array_index (self->entries, i), NULL);

  libusb_exit (self->ctx);
  self->ctx = NULL;
  g_clear_pointer (&self->context, g_main_context_unref);
}

void
ub_device_monitor_refresh (UbDeviceMonitor *self)
{
  libusb_device **list = NULL;
  g_autoptr(GPtrArray) found = NULL;   /* UbUsbDeviceInfo*, same order as devs */
  g_autoptr(GPtrArray) devs = NULL;
  g_autoptr(GHashTable) paths = NULL;
  ssize_t n;
  guint i;

  g_return_if_fail (UB_IS_DEVICE_MONITOR (self));
  if (self->ctx == NULL)
    return;

  n = libusb_get_device_list (self->ctx, &list);
  if (n < 0)
    {
      g_debug ("libusb_get_device_list: %s", libusb_strerror ((int) n));
      return;
    }
  found = g_ptr_array_new_with_free_func (g_object_unref);
  devs = g_ptr_array_new ();
  paths = g_hash_table_new (g_str_hash, g_str_equal);
  for (ssize_t k = 0; k < n; k++)
    {
      UbUsbDeviceInfo *info = ub_usb_classify_device (list[k]);

      if (info == NULL)
        continue;
      g_ptr_array_add (found, info);
      g_ptr_array_add (devs, list[k]);
      g_hash_table_add (paths, (gpointer) ub_usb_device_info_get_path (info));
    }

  /* removed first (from the end, so positions stay valid), then upserts */
  for (i = self->entries->len; i-- > 0;)
    {
      Entry *e = g_ptr_array_index (self->entries, i);

      if (!g_hash_table_contains (paths, ub_usb_device_info_get_path (e->info)))
        remove_at (self, i);
    }
  for (i = 0; i < found->len; i++)
    upsert (self, g_object_ref (g_ptr_array_index (found, i)), g_ptr_array_index (devs, i));

  g_clear_pointer (&paths, g_hash_table_unref);   /* points into found */
  libusb_free_device_list (list, 1);
  end_batch (self);
}

gboolean
ub_device_monitor_get_hotplug (UbDeviceMonitor *self)
{
  g_return_val_if_fail (UB_IS_DEVICE_MONITOR (self), FALSE);
  return self->hotplug;
}

UbUsbDeviceInfo *
ub_device_monitor_lookup (UbDeviceMonitor *self,
                          const char      *path)
{
  gboolean found;
  guint pos;

  g_return_val_if_fail (UB_IS_DEVICE_MONITOR (self), NULL);
  g_return_val_if_fail (path != NULL, NULL);
  pos = find_path (self, path, &found);
  if (!found)
    return NULL;
  return ((Entry *) g_ptr_array_index (self->entries, pos))->info;
}

/* ------------------------------------------------------------------ GObject */

static void
ub_device_monitor_dispose (GObject *object)
{
  UbDeviceMonitor *self = UB_DEVICE_MONITOR (object);

  ub_device_monitor_stop (self);
  G_OBJECT_CLASS (ub_device_monitor_parent_class)->dispose (object);
}

static void
ub_device_monitor_finalize (GObject *object)
{
  UbDeviceMonitor *self = UB_DEVICE_MONITOR (object);

  g_ptr_array_unref (self->entries);
  g_ptr_array_unref (self->retries);
  G_OBJECT_CLASS (ub_device_monitor_parent_class)->finalize (object);
}

static void
ub_device_monitor_class_init (UbDeviceMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ub_device_monitor_dispose;
  object_class->finalize = ub_device_monitor_finalize;

  /**
   * UbDeviceMonitor::changed:
   *
   * Emitted once after a batch of "items-changed" (a hotplug event handled,
   * a refresh that found differences).
   */
  signals[SIGNAL_CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
ub_device_monitor_init (UbDeviceMonitor *self)
{
  self->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) entry_free);
  self->retries = g_ptr_array_new_with_free_func ((GDestroyNotify) retry_free);
  g_queue_init (&self->events);
}
