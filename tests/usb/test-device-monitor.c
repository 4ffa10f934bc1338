/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * UbDeviceMonitor against devices on an emulated USB bus (umockdev): the
 * initial listing, hotplug through libusb's udev monitor into the GLib main
 * loop, refresh(), and the retry of a device that is busy on arrival.
 * Run under umockdev-wrapper; exits 77 otherwise.
 */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <sys/prctl.h>

#include "ub-device-monitor.h"
#include "ub-emu-usb.h"

#include "ub-test-utils.h"

#define WAIT_MS 5000

static UbEmuUsb *bus;
static guint serial_counter;

typedef struct {
  guint position;
  guint removed;
  guint added;
} Change;

typedef struct {
  char *state_dir;
  UbEmuPhone *phone;
  UbEmuUsbDevice *dev;
  char *serial;
  UbDeviceMonitor *monitor;
  GArray *changes;   /* Change */
  guint n_changed;   /* "changed" signals */
} Fixture;

static void
on_items_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  Fixture    *f)
{
  Change c = { position, removed, added };

  g_assert_true (model == G_LIST_MODEL (f->monitor));
  g_array_append_val (f->changes, c);
}

static void
on_changed (UbDeviceMonitor *monitor,
            Fixture         *f)
{
  f->n_changed++;
}

/* A fastboot phone with a fresh serial, plugged in. */
static UbEmuUsbDevice *
add_phone (UbEmuPhone **phone_out,
           char       **state_dir_out,
           char       **serial_out)
{
  g_autoptr(GError) error = NULL;
  UbEmuUsbDevice *dev;

  *state_dir_out = g_dir_make_tmp ("ub-monitor-test-XXXXXX", &error);
  g_assert_no_error (error);
  *phone_out = ub_emu_phone_new (NULL, *state_dir_out, &error);
  g_assert_no_error (error);
  *serial_out = g_strdup_printf ("montest%02u", ++serial_counter);
  ub_emu_phone_set_var (*phone_out, "serialno", *serial_out);
  dev = ub_emu_usb_add_phone (bus, *phone_out, NULL, &error);
  g_assert_no_error (error);
  return dev;
}

static void
fixture_setup (Fixture      *f,
               gconstpointer data)
{
  f->dev = add_phone (&f->phone, &f->state_dir, &f->serial);
  f->monitor = ub_device_monitor_new ();
  f->changes = g_array_new (FALSE, FALSE, sizeof (Change));
  g_signal_connect (f->monitor, "items-changed", G_CALLBACK (on_items_changed), f);
  g_signal_connect (f->monitor, "changed", G_CALLBACK (on_changed), f);
}

static void
fixture_teardown (Fixture      *f,
                  gconstpointer data)
{
  g_clear_object (&f->monitor);
  ub_emu_usb_device_unplug (f->dev);
  g_assert_true (ub_emu_usb_settle (bus, WAIT_MS));
  g_clear_object (&f->phone);
  ub_test_rm_rf (f->state_dir);
  g_free (f->state_dir);
  g_free (f->serial);
  g_array_unref (f->changes);
}

static gboolean
on_deadline (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main loop until @cond holds (or fails after WAIT_MS). */
#define WAIT_UNTIL(cond)                                                   \
  G_STMT_START {                                                           \
    gboolean expired_ = FALSE;                                             \
    guint id_ = g_timeout_add (WAIT_MS, on_deadline, &expired_);           \
    while (!(cond) && !expired_)                                           \
      g_main_context_iteration (NULL, TRUE);                               \
    if (!expired_)                                                         \
      g_source_remove (id_);                                               \
    g_assert_true (cond);                                                  \
  } G_STMT_END

/* Runs the main loop for @ms, handling whatever comes. */
static void
spin (guint ms)
{
  gboolean expired = FALSE;

  g_timeout_add (ms, on_deadline, &expired);
  while (!expired)
    g_main_context_iteration (NULL, TRUE);
}

static UbUsbDeviceInfo *
item (Fixture *f,
      guint    position)
{
  /* the model keeps its own reference */
  g_autoptr(UbUsbDeviceInfo) info = g_list_model_get_item (G_LIST_MODEL (f->monitor), position);

  return info;
}

static guint
n_items (Fixture *f)
{
  return g_list_model_get_n_items (ub_device_monitor_get_devices (f->monitor));
}

static void
assert_change (Fixture *f,
               guint    index,
               guint    position,
               guint    removed,
               guint    added)
{
  Change *c;

  g_assert_cmpuint (index, <, f->changes->len);
  c = &g_array_index (f->changes, Change, index);
  g_assert_cmpuint (c->position, ==, position);
  g_assert_cmpuint (c->removed, ==, removed);
  g_assert_cmpuint (c->added, ==, added);
}

static void
start (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (ub_device_monitor_start (f->monitor, &error));
  g_assert_no_error (error);
  /* Debian's libusb is built with udev; umockdev emulates its netlink socket */
  g_assert_true (ub_device_monitor_get_hotplug (f->monitor));
  g_array_set_size (f->changes, 0);
  f->n_changed = 0;
}

/* ------------------------------------------------------------------ tests */

static void
test_enumerate (Fixture      *f,
                gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  UbEmuUsbDevice *mouse, *adb, *edl;
  UbUsbDeviceInfo *info;
  const char *prev = NULL;

  mouse = ub_emu_usb_add_device (bus, UB_EMU_USB_OTHER, 0x046d, 0xc077, 0x03, 0x01, 0x02,
                                 "mouse1", NULL, &error);
  g_assert_no_error (error);
  adb = ub_emu_usb_add_device (bus, UB_EMU_USB_ADB, 0x2717, 0xff48, 0xff, 0x42, 0x01,
                               "adbphone", NULL, &error);
  g_assert_no_error (error);
  edl = ub_emu_usb_add_device (bus, UB_EMU_USB_OTHER, 0x05c6, 0x9008, 0xff, 0xff, 0xff,
                               NULL, NULL, &error);
  g_assert_no_error (error);

  g_assert_cmpuint (n_items (f), ==, 0);
  g_assert_false (ub_device_monitor_get_hotplug (f->monitor));
  ub_device_monitor_refresh (f->monitor);   /* not started: nothing */
  g_assert_cmpuint (n_items (f), ==, 0);

  g_assert_true (ub_device_monitor_start (f->monitor, &error));
  g_assert_no_error (error);
  g_assert_true (ub_device_monitor_start (f->monitor, &error));   /* again: no-op */
  g_assert_true (ub_device_monitor_get_hotplug (f->monitor));
  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (f->monitor)) == UB_TYPE_USB_DEVICE_INFO);

  /* phone, adb, edl; not the mouse */
  g_assert_cmpuint (n_items (f), ==, 3);
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (f->monitor), 3));
  for (guint i = 0; i < n_items (f); i++)
    {
      info = item (f, i);
      g_test_message ("item %u: %s %s serial=%s", i,
                      ub_usb_device_kind_to_string (ub_usb_device_info_get_kind (info)),
                      ub_usb_device_info_get_path (info), ub_usb_device_info_get_serial (info));
      if (prev != NULL)
        g_assert_cmpstr (prev, <, ub_usb_device_info_get_path (info));
      prev = ub_usb_device_info_get_path (info);
    }

  info = ub_device_monitor_lookup (f->monitor, ub_emu_usb_device_get_path (f->dev));
  g_assert_nonnull (info);
  g_assert_cmpint (ub_usb_device_info_get_kind (info), ==, UB_USB_DEVICE_KIND_FASTBOOT);
  g_assert_cmpstr (ub_usb_device_info_get_serial (info), ==, f->serial);
  g_assert_cmpuint (ub_usb_device_info_get_vendor_id (info), ==, 0x18d1);
  g_assert_cmpstr (ub_usb_device_info_get_interface_name (info), ==, "fastboot");
  g_assert_cmpint (ub_usb_device_info_get_problem (info), ==, UB_USB_ACCESS_OK);

  info = ub_device_monitor_lookup (f->monitor, ub_emu_usb_device_get_path (adb));
  g_assert_nonnull (info);
  g_assert_cmpint (ub_usb_device_info_get_kind (info), ==, UB_USB_DEVICE_KIND_ADB);
  g_assert_cmpstr (ub_usb_device_info_get_serial (info), ==, "adbphone");

  info = ub_device_monitor_lookup (f->monitor, ub_emu_usb_device_get_path (edl));
  g_assert_nonnull (info);
  g_assert_cmpint (ub_usb_device_info_get_kind (info), ==, UB_USB_DEVICE_KIND_EDL);
  g_assert_cmpuint (ub_usb_device_info_get_vendor_id (info), ==, 0x05c6);
  g_assert_cmpuint (ub_usb_device_info_get_product_id (info), ==, 0x9008);

  g_assert_null (ub_device_monitor_lookup (f->monitor, ub_emu_usb_device_get_path (mouse)));

  /* the mouse leaving changes nothing; the adb phone leaving is seen live */
  g_array_set_size (f->changes, 0);
  ub_emu_usb_device_unplug (mouse);
  ub_emu_usb_device_unplug (adb);
  WAIT_UNTIL (n_items (f) == 2);
  g_assert_null (ub_device_monitor_lookup (f->monitor, ub_emu_usb_device_get_path (adb)));
  g_assert_cmpuint (f->changes->len, ==, 1);
  ub_emu_usb_device_unplug (edl);
  WAIT_UNTIL (n_items (f) == 1);

  /* stop keeps the list; nothing is watched any more */
  ub_device_monitor_stop (f->monitor);
  ub_device_monitor_stop (f->monitor);
  g_assert_false (ub_device_monitor_get_hotplug (f->monitor));
  g_assert_cmpuint (n_items (f), ==, 1);
}

static void
test_hotplug (Fixture      *f,
              gconstpointer data)
{
  g_autoptr(UbUsbDeviceInfo) first = NULL;
  g_autoptr(UbEmuPhone) phone2 = NULL;
  g_autofree char *state2 = NULL;
  g_autofree char *serial2 = NULL;
  UbEmuUsbDevice *dev2;
  UbUsbDeviceInfo *info;
  guint pos;

  start (f);
  g_assert_cmpuint (n_items (f), ==, 1);
  first = g_list_model_get_item (G_LIST_MODEL (f->monitor), 0);

  /* a second phone arrives: the model grows without refresh() */
  dev2 = add_phone (&phone2, &state2, &serial2);
  WAIT_UNTIL (n_items (f) == 2);
  g_assert_cmpuint (f->changes->len, ==, 1);
  info = ub_device_monitor_lookup (f->monitor, ub_emu_usb_device_get_path (dev2));
  g_assert_nonnull (info);
  pos = g_strcmp0 (ub_emu_usb_device_get_path (dev2), ub_emu_usb_device_get_path (f->dev)) < 0
          ? 0 : 1;
  assert_change (f, 0, pos, 0, 1);
  g_assert_true (item (f, pos) == info);
  g_assert_cmpstr (ub_usb_device_info_get_serial (info), ==, serial2);
  g_assert_cmpint (ub_usb_device_info_get_kind (info), ==, UB_USB_DEVICE_KIND_FASTBOOT);
  g_assert_cmpuint (f->n_changed, ==, 1);
  /* the first phone's row is the same object */
  g_assert_true (item (f, 1 - pos) == first);

  /* it leaves */
  ub_emu_usb_device_unplug (dev2);
  WAIT_UNTIL (n_items (f) == 1);
  g_assert_cmpuint (f->changes->len, ==, 2);
  assert_change (f, 1, pos, 1, 0);
  g_assert_cmpuint (f->n_changed, ==, 2);
  g_assert_true (item (f, 0) == first);

  /* replugged (same port and serial, as after a reboot): back again */
  g_assert_true (ub_emu_usb_device_replug (dev2, NULL));
  WAIT_UNTIL (n_items (f) == 2);
  info = ub_device_monitor_lookup (f->monitor, ub_emu_usb_device_get_path (dev2));
  g_assert_nonnull (info);
  g_assert_cmpstr (ub_usb_device_info_get_serial (info), ==, serial2);

  ub_emu_usb_device_unplug (dev2);
  WAIT_UNTIL (n_items (f) == 1);
  g_assert_true (ub_emu_usb_settle (bus, WAIT_MS));

  /* nothing more happens while the bus is quiet */
  g_array_set_size (f->changes, 0);
  spin (300);
  g_assert_cmpuint (f->changes->len, ==, 0);

  g_clear_object (&phone2);
  ub_test_rm_rf (state2);
}

static void
test_refresh (Fixture      *f,
              gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UbUsbDeviceInfo) before = NULL;
  g_autoptr(UbUsbDeviceInfo) adb_info = NULL;
  UbEmuUsbDevice *adb;
  UbUsbDeviceInfo *info;
  guint pos;

  start (f);
  before = g_list_model_get_item (G_LIST_MODEL (f->monitor), 0);

  /* nothing changed: no signal, same objects */
  ub_device_monitor_refresh (f->monitor);
  g_assert_cmpuint (f->changes->len, ==, 0);
  g_assert_cmpuint (f->n_changed, ==, 0);
  g_assert_true (item (f, 0) == before);

  /* a change hotplug does not report (another program claims the phone):
   * refresh replaces that row */
  ub_emu_usb_device_set_claim_errno (f->dev, EBUSY);
  ub_device_monitor_refresh (f->monitor);
  g_assert_cmpuint (f->changes->len, ==, 1);
  assert_change (f, 0, 0, 1, 1);
  g_assert_cmpuint (f->n_changed, ==, 1);
  info = item (f, 0);
  g_assert_true (info != before);
  g_assert_cmpint (ub_usb_device_info_get_problem (info), ==, UB_USB_ACCESS_BUSY);
  g_assert_cmpstr (ub_usb_device_info_get_serial (info), ==, f->serial);
  ub_emu_usb_device_set_claim_errno (f->dev, 0);
  ub_device_monitor_refresh (f->monitor);
  g_assert_cmpuint (f->changes->len, ==, 2);
  g_assert_cmpint (ub_usb_device_info_get_problem (item (f, 0)), ==, UB_USB_ACCESS_OK);

  /* refresh sees a new device before the main loop ran; the hotplug event
   * that follows finds it unchanged */
  g_array_set_size (f->changes, 0);
  adb = ub_emu_usb_add_device (bus, UB_EMU_USB_ADB, 0x2717, 0xff48, 0xff, 0x42, 0x01,
                               "adbrefresh", NULL, &error);
  g_assert_no_error (error);
  ub_device_monitor_refresh (f->monitor);
  g_assert_cmpuint (n_items (f), ==, 2);
  g_assert_cmpuint (f->changes->len, ==, 1);
  adb_info = g_object_ref (ub_device_monitor_lookup (f->monitor, ub_emu_usb_device_get_path (adb)));
  g_assert_cmpint (ub_usb_device_info_get_kind (adb_info), ==, UB_USB_DEVICE_KIND_ADB);
  pos = g_strcmp0 (ub_emu_usb_device_get_path (adb), ub_emu_usb_device_get_path (f->dev)) < 0
          ? 0 : 1;
  assert_change (f, 0, pos, 0, 1);
  spin (300);
  g_assert_cmpuint (f->changes->len, ==, 1);
  g_assert_true (ub_device_monitor_lookup (f->monitor, ub_emu_usb_device_get_path (adb)) == adb_info);

  /* and a removal */
  ub_emu_usb_device_unplug (adb);
  ub_device_monitor_refresh (f->monitor);
  g_assert_cmpuint (n_items (f), ==, 1);
  g_assert_cmpuint (f->changes->len, ==, 2);
  assert_change (f, 1, pos, 1, 0);
  spin (300);   /* the LEFT event finds nothing to remove */
  g_assert_cmpuint (f->changes->len, ==, 2);
  g_assert_cmpstr (ub_usb_device_info_get_serial (item (f, 0)), ==, f->serial);
}

static void
test_busy_on_arrival (Fixture      *f,
                      gconstpointer data)
{
  g_autoptr(UbEmuPhone) phone2 = NULL;
  g_autofree char *state2 = NULL;
  g_autofree char *serial2 = NULL;
  UbEmuUsbDevice *dev2;
  UbUsbDeviceInfo *info;
  UbEmuUsbStats st;
  guint64 after_arrival, per_classification;

  start (f);

  /* busy from the start (the main loop has not run yet) and staying busy:
   * shown after the retries, once, with the problem */
  dev2 = add_phone (&phone2, &state2, &serial2);
  ub_emu_usb_device_set_claim_errno (dev2, EBUSY);
  WAIT_UNTIL (n_items (f) == 2);
  g_assert_cmpuint (f->changes->len, ==, 1);
  info = ub_device_monitor_lookup (f->monitor, ub_emu_usb_device_get_path (dev2));
  g_assert_nonnull (info);
  g_assert_cmpint (ub_usb_device_info_get_problem (info), ==, UB_USB_ACCESS_BUSY);
  g_assert_cmpstr (ub_usb_device_info_get_serial (info), ==, serial2);

  /* it was classified three times (each time opening the node): count the
   * ioctls of one classification with refresh() */
  ub_emu_usb_device_get_stats (dev2, &st);
  after_arrival = st.n_ioctl;
  ub_device_monitor_refresh (f->monitor);
  ub_emu_usb_device_get_stats (dev2, &st);
  per_classification = st.n_ioctl - after_arrival;
  g_test_message ("%" G_GUINT64_FORMAT " ioctls after arrival, %" G_GUINT64_FORMAT
                  " per classification", after_arrival, per_classification);
  g_assert_cmpuint (per_classification, >, 0);
  g_assert_cmpuint (after_arrival, ==, 3 * per_classification);
  g_assert_cmpuint (f->changes->len, ==, 1);

  /* no longer busy: the next refresh shows it usable */
  ub_emu_usb_device_set_claim_errno (dev2, 0);
  ub_device_monitor_refresh (f->monitor);
  g_assert_cmpint (ub_usb_device_info_get_problem (ub_device_monitor_lookup (f->monitor, ub_emu_usb_device_get_path (dev2))),
                   ==, UB_USB_ACCESS_OK);

  /* unplugged while a retry is pending: never shown */
  ub_emu_usb_device_unplug (dev2);
  WAIT_UNTIL (n_items (f) == 1);
  g_array_set_size (f->changes, 0);
  g_assert_true (ub_emu_usb_device_replug (dev2, NULL));
  ub_emu_usb_device_set_claim_errno (dev2, EBUSY);
  spin (100);
  ub_emu_usb_device_unplug (dev2);
  spin (1000);
  g_assert_cmpuint (n_items (f), ==, 1);
  g_assert_cmpuint (f->changes->len, ==, 0);

  g_clear_object (&phone2);
  ub_test_rm_rf (state2);
}

/* Disposing a running monitor with events and retries pending. */
static void
test_dispose_running (Fixture      *f,
                      gconstpointer data)
{
  g_autoptr(UbEmuPhone) phone2 = NULL;
  g_autofree char *state2 = NULL;
  g_autofree char *serial2 = NULL;
  UbEmuUsbDevice *dev2;

  start (f);
  dev2 = add_phone (&phone2, &state2, &serial2);
  ub_emu_usb_device_set_claim_errno (dev2, EBUSY);
  spin (50);
  g_clear_object (&f->monitor);   /* teardown: ASan/LSan find any leak */
  ub_emu_usb_device_unplug (dev2);
  g_clear_object (&phone2);
  ub_test_rm_rf (state2);

  /* a new monitor (new libusb context) still works */
  f->monitor = ub_device_monitor_new ();
  start (f);
  g_assert_cmpuint (n_items (f), ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int ret;

  g_test_init (&argc, &argv, NULL);

  /* The bus must exist before libusb is first initialised. */
  bus = ub_emu_usb_new (&error);
  if (bus == NULL)
    {
      g_printerr ("SKIP: %s\n", error->message);
      return 77;
    }
  prctl (PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);

#define MONITOR_TEST(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  MONITOR_TEST ("/device-monitor/enumerate", test_enumerate);
  MONITOR_TEST ("/device-monitor/hotplug", test_hotplug);
  MONITOR_TEST ("/device-monitor/refresh", test_refresh);
  MONITOR_TEST ("/device-monitor/busy-on-arrival", test_busy_on_arrival);
  MONITOR_TEST ("/device-monitor/dispose-running", test_dispose_running);

  ret = g_test_run ();
  g_clear_object (&bus);
  return ret;
}
