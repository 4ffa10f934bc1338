/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * UbUsbTransport against emulated phones on an emulated USB bus: the real
 * libusb code path, usbdevfs ioctls answered by tests/usb/ub-emu-usb.c.
 * Run under umockdev-wrapper; exits 77 otherwise.
 */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "ub-emu-usb.h"
#include "ub-fastboot-error.h"
#include "ub-pattern-stream.h"
#include "ub-usb-transport.h"

#include "ub-test-utils.h"

#define MiB (1024 * 1024)

static UbEmuUsb *bus;
static guint serial_counter;

/* ------------------------------------------------------------------ helpers */

typedef struct {
  char *state_dir;
  UbEmuPhone *phone;
  UbEmuUsbDevice *dev;
  char *serial;
} Phone;

static void
phone_setup (Phone        *p,
             gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  p->state_dir = g_dir_make_tmp ("ub-usb-test-XXXXXX", &error);
  g_assert_no_error (error);
  p->phone = ub_emu_phone_new (NULL, p->state_dir, &error);
  g_assert_no_error (error);
  p->serial = g_strdup_printf ("usbtest%02u", ++serial_counter);
  ub_emu_phone_set_var (p->phone, "serialno", p->serial);
  g_assert_cmpstr (ub_emu_phone_get_serial (p->phone), ==, p->serial);
  p->dev = ub_emu_usb_add_phone (bus, p->phone, NULL, &error);
  g_assert_no_error (error);
}

static void
phone_teardown (Phone        *p,
                gconstpointer data)
{
  ub_emu_usb_device_unplug (p->dev);
  g_assert_true (ub_emu_usb_settle (bus, 5000));
  g_clear_object (&p->phone);
  ub_test_rm_rf (p->state_dir);
  g_free (p->state_dir);
  g_free (p->serial);
}

static UbTransport *
open_phone (Phone *p)
{
  g_autoptr(GError) error = NULL;
  UbTransport *t = ub_usb_transport_open (p->serial, &error);

  g_assert_no_error (error);
  g_assert_nonnull (t);
  return t;
}

/* Sends @cmd and returns the final response (OKAY…/FAIL…/DATA…), INFO
 * lines skipped. */
static char *
command (UbTransport *t,
         const char  *cmd)
{
  g_autoptr(GError) error = NULL;

  ub_transport_write (t, (const guint8 *) cmd, strlen (cmd), 5000, NULL, &error);
  g_assert_no_error (error);
  for (;;)
    {
      guint8 buf[UB_TRANSPORT_MAX_PACKET + 1];
      gssize n = ub_transport_read (t, buf, UB_TRANSPORT_MAX_PACKET, 5000, NULL, &error);

      g_assert_no_error (error);
      g_assert_cmpint (n, >=, 4);
      buf[n] = '\0';
      if (memcmp (buf, "INFO", 4) != 0 && memcmp (buf, "TEXT", 4) != 0)
        return g_strdup ((const char *) buf);
    }
}

static char *
read_log (Phone *p)
{
  g_autofree char *path = g_build_filename (p->state_dir, "writes.log", NULL);
  char *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return g_strdup ("");
  return contents;
}

static UbUsbDeviceInfo *
find_info (GPtrArray  *list,
           const char *path)
{
  for (guint i = 0; i < list->len; i++)
    {
      UbUsbDeviceInfo *info = g_ptr_array_index (list, i);

      if (g_strcmp0 (ub_usb_device_info_get_path (info), path) == 0)
        return info;
    }
  return NULL;
}

/* Starts a download of @size pattern bytes; returns after DATA. */
static void
start_download (UbTransport *t,
                guint64      size)
{
  g_autofree char *cmd = g_strdup_printf ("download:%08" G_GINT64_MODIFIER "x", size);
  g_autofree char *resp = command (t, cmd);
  g_autofree char *expect = g_strdup_printf ("DATA%08" G_GINT64_MODIFIER "x", size);

  g_assert_cmpstr (resp, ==, expect);
}

/* ------------------------------------------------------------------ tests */

static void
test_enumerate (Phone        *p,
                gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(UbEmuPhone) hub_phone = NULL;
  g_autofree char *hub_state = g_dir_make_tmp ("ub-usb-test-XXXXXX", NULL);
  g_autoptr(UbTransport) t = NULL;
  UbEmuUsbDevice *mouse, *adb, *edl, *brom, *nested;
  UbUsbDeviceInfo *info;

  mouse = ub_emu_usb_add_device (bus, UB_EMU_USB_OTHER, 0x046d, 0xc077, 0x03, 0x01, 0x02,
                                 "mouse1", NULL, &error);
  g_assert_no_error (error);
  /* adb: same class and subclass as fastboot, protocol 01 */
  adb = ub_emu_usb_add_device (bus, UB_EMU_USB_ADB, 0x2717, 0xff48, 0xff, 0x42, 0x01,
                               "adbphone", NULL, &error);
  g_assert_no_error (error);
  edl = ub_emu_usb_add_device (bus, UB_EMU_USB_OTHER, 0x05c6, 0x9008, 0xff, 0xff, 0xff,
                               NULL, NULL, &error);
  g_assert_no_error (error);
  brom = ub_emu_usb_add_device (bus, UB_EMU_USB_OTHER, 0x0e8d, 0x0003, 0x02, 0x02, 0x01,
                                NULL, NULL, &error);
  g_assert_no_error (error);
  /* a second phone behind a hub: path with a dot */
  hub_phone = ub_emu_phone_new (NULL, hub_state, &error);
  g_assert_no_error (error);
  ub_emu_phone_set_var (hub_phone, "serialno", "hubbed01");
  ub_emu_phone_set_var (hub_phone, "is-userspace", "yes");   /* in fastbootd */
  nested = ub_emu_usb_add_phone (bus, hub_phone, "1-20.3", &error);
  g_assert_no_error (error);

  list = ub_usb_transport_list_devices (&error);
  g_assert_no_error (error);
  for (guint i = 0; i < list->len; i++)
    {
      info = g_ptr_array_index (list, i);
      g_test_message ("listed %s %s %04x:%04x serial=%s iface=%s problem=%u",
                      ub_usb_device_kind_to_string (ub_usb_device_info_get_kind (info)),
                      ub_usb_device_info_get_path (info),
                      ub_usb_device_info_get_vendor_id (info),
                      ub_usb_device_info_get_product_id (info),
                      ub_usb_device_info_get_serial (info),
                      ub_usb_device_info_get_interface_name (info),
                      ub_usb_device_info_get_problem (info));
    }
  /* phone, adb, edl, brom, nested phone; no mouse, no hub */
  g_assert_cmpuint (list->len, ==, 5);

  info = find_info (list, ub_emu_usb_device_get_path (p->dev));
  g_assert_nonnull (info);
  g_assert_cmpint (ub_usb_device_info_get_kind (info), ==, UB_USB_DEVICE_KIND_FASTBOOT);
  g_assert_cmpstr (ub_usb_device_info_get_serial (info), ==, p->serial);
  g_assert_cmpuint (ub_usb_device_info_get_vendor_id (info), ==, 0x18d1);
  g_assert_cmpuint (ub_usb_device_info_get_product_id (info), ==, 0xd00d);
  g_assert_cmpstr (ub_usb_device_info_get_interface_name (info), ==, "fastboot");
  g_assert_cmpint (ub_usb_device_info_get_problem (info), ==, UB_USB_ACCESS_OK);

  info = find_info (list, "usb:1-20.3");
  g_assert_nonnull (info);
  g_assert_cmpint (ub_usb_device_info_get_kind (info), ==, UB_USB_DEVICE_KIND_FASTBOOT);
  g_assert_cmpstr (ub_usb_device_info_get_serial (info), ==, "hubbed01");
  g_assert_cmpstr (ub_usb_device_info_get_interface_name (info), ==, "fastbootd");

  info = find_info (list, ub_emu_usb_device_get_path (adb));
  g_assert_nonnull (info);
  g_assert_cmpint (ub_usb_device_info_get_kind (info), ==, UB_USB_DEVICE_KIND_ADB);
  g_assert_cmpstr (ub_usb_device_info_get_serial (info), ==, "adbphone");

  info = find_info (list, ub_emu_usb_device_get_path (edl));
  g_assert_nonnull (info);
  g_assert_cmpint (ub_usb_device_info_get_kind (info), ==, UB_USB_DEVICE_KIND_EDL);

  info = find_info (list, ub_emu_usb_device_get_path (brom));
  g_assert_nonnull (info);
  g_assert_cmpint (ub_usb_device_info_get_kind (info), ==, UB_USB_DEVICE_KIND_BROM);

  g_assert_null (find_info (list, ub_emu_usb_device_get_path (mouse)));
  g_assert_null (find_info (list, "usb:1-20"));

  /* two fastboot devices: NULL is ambiguous */
  t = ub_usb_transport_open (NULL, &error);
  g_assert_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr (error->message, ==,
                   "2 phones are connected in fastboot mode; choose one by serial number");
  g_assert_null (t);
  g_clear_error (&error);

  /* the adb device is never opened as fastboot */
  t = ub_usb_transport_open ("adbphone", &error);
  g_assert_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_NOT_FOUND);
  g_assert_null (t);
  g_clear_error (&error);

  /* by path, with and without the usb: prefix */
  t = ub_usb_transport_open ("usb:1-20.3", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ub_usb_transport_get_serial (UB_USB_TRANSPORT (t)), ==, "hubbed01");
  g_assert_cmpstr (ub_transport_describe (t), ==, "usb:1-20.3");
  g_clear_object (&t);
  t = ub_usb_transport_open ("1-20.3", &error);
  g_assert_no_error (error);
  g_clear_object (&t);

  ub_emu_usb_device_unplug (mouse);
  ub_emu_usb_device_unplug (adb);
  ub_emu_usb_device_unplug (edl);
  ub_emu_usb_device_unplug (brom);
  ub_emu_usb_device_unplug (nested);

  /* now the fixture phone is the only one */
  t = ub_usb_transport_open (NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ub_usb_transport_get_serial (UB_USB_TRANSPORT (t)), ==, p->serial);
  g_assert_cmpstr (ub_usb_transport_get_path (UB_USB_TRANSPORT (t)), ==,
                   ub_emu_usb_device_get_path (p->dev));
  g_clear_object (&t);
  ub_test_rm_rf (hub_state);
}

static void
test_getvar (Phone        *p,
             gconstpointer data)
{
  g_autoptr(UbTransport) t = open_phone (p);
  g_autofree char *serial = NULL;
  g_autofree char *product = NULL;
  g_autofree char *unknown = NULL;
  g_autofree char *expect = g_strdup_printf ("OKAY%s", p->serial);

  serial = command (t, "getvar:serialno");
  g_assert_cmpstr (serial, ==, expect);
  product = command (t, "getvar:product");
  g_assert_cmpstr (product, ==, "OKAYalioth");
  unknown = command (t, "getvar:no-such-variable");
  g_assert_cmpstr (unknown, ==, "FAILGetVar Variable Not found");
}

static void
test_no_response_timeout (Phone        *p,
                          gconstpointer data)
{
  g_autoptr(UbTransport) t = open_phone (p);
  g_autoptr(GError) error = NULL;
  guint8 buf[UB_TRANSPORT_MAX_PACKET];
  gint64 start = g_get_monotonic_time ();
  double cpu_start = ub_test_cpu_seconds ();
  double cpu;
  gssize n;

  n = ub_transport_read (t, buf, sizeof buf, 1000, NULL, &error);
  cpu = ub_test_cpu_seconds () - cpu_start;
  g_assert_cmpint (n, ==, -1);
  g_assert_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_TIMEOUT);
  g_assert_cmpstr (error->message, ==, "The phone did not answer in time");
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 980 * 1000);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 3000 * 1000);
  /* waiting costs no CPU (libusb sleeps in poll() on the FIFO node) */
  g_test_message ("CPU while waiting 1 s for an answer: %.3f s", cpu);
  g_assert_cmpfloat (cpu, <, 0.1);
}

typedef struct {
  Phone *p;
  guint64 size;
  guint64 seed;
  gboolean ok;
  GError *error;
  double seconds;
} Download;

static gpointer
download_thread (gpointer data)
{
  Download *d = data;
  g_autoptr(UbTransport) t = open_phone (d->p);
  g_autoptr(GInputStream) stream = ub_pattern_stream_new (d->size, d->seed);
  g_autofree char *resp = NULL;
  gint64 start;

  start_download (t, d->size);
  start = g_get_monotonic_time ();
  d->ok = ub_transport_write_stream (t, stream, d->size, 10000, NULL, NULL, NULL, &d->error);
  if (d->ok)
    {
      resp = command (t, "getvar:serialno");   /* pipelined after the OKAY */
      d->seconds = (g_get_monotonic_time () - start) / 1e6;
    }
  return resp != NULL && g_str_has_prefix (resp, "OKAY") ? GINT_TO_POINTER (1) : NULL;
}

static void
progress_count (guint64  done,
                gpointer user_data)
{
  guint64 *last = user_data;

  g_assert_cmpuint (done, >, *last);
  *last = done;
}

static void
test_download (Phone        *p,
               gconstpointer data)
{
  guint64 size = GPOINTER_TO_SIZE (data);
  g_autoptr(UbTransport) t = open_phone (p);
  g_autoptr(GInputStream) stream = ub_pattern_stream_new (size, 42);
  g_autoptr(GError) error = NULL;
  g_autofree char *sha = ub_pattern_sha256 (size, 42);
  g_autofree char *expect_line = NULL;
  g_autofree char *log = NULL;
  g_autofree char *okay = NULL;
  guint8 buf[UB_TRANSPORT_MAX_PACKET];
  UbEmuUsbStats st;
  guint64 progress = 0;
  gint64 start;
  double cpu_start, seconds, cpu;
  gssize n;

  start_download (t, size);
  cpu_start = ub_test_cpu_seconds ();
  start = g_get_monotonic_time ();
  g_assert_true (ub_transport_write_stream (t, stream, size, 10000, progress_count, &progress,
                                            NULL, &error));
  g_assert_no_error (error);
  n = ub_transport_read (t, buf, sizeof buf, 30000, NULL, &error);
  g_assert_no_error (error);
  seconds = (g_get_monotonic_time () - start) / 1e6;
  cpu = ub_test_cpu_seconds () - cpu_start;
  okay = g_strndup ((const char *) buf, n);
  g_assert_cmpstr (okay, ==, "OKAY");
  g_assert_cmpuint (progress, ==, size);

  g_test_message ("download of %" G_GUINT64_FORMAT " MiB through umockdev: %.2f s, %.0f MB/s, "
                  "CPU %.2f s (whole process: host + emulator)",
                  size / MiB, seconds, size / seconds / 1e6, cpu);
  if (g_getenv ("UB_USB_BENCH") != NULL)
    g_printerr ("download %" G_GUINT64_FORMAT " MiB: %.2f s, %.0f MB/s, CPU %.2f s\n",
                size / MiB, seconds, size / seconds / 1e6, cpu);

  expect_line = g_strdup_printf ("download %" G_GUINT64_FORMAT " %s\n", size, sha);
  log = read_log (p);
  g_assert_nonnull (strstr (log, expect_line));

  ub_emu_usb_device_get_stats (p->dev, &st);
  g_assert_cmpuint (st.n_zero_length_out, ==, 0);
  g_assert_cmpuint (st.max_out_urb, ==, MIN (size, UB_USB_TRANSFER_SIZE));
  /* the command (17 bytes) plus the payload, nothing else */
  g_assert_cmpuint (st.bulk_out_bytes, ==, size + strlen ("download:00000000"));
  g_test_message ("emulated ioctls: %" G_GUINT64_FORMAT ", reaps that found nothing: %"
                  G_GUINT64_FORMAT, st.n_ioctl, st.n_reap_eagain);
}

/* Odd sizes: the last transfer is short, and nothing else is sent. */
static void
test_download_odd_size (Phone        *p,
                        gconstpointer data)
{
  static const guint64 sizes[] = { 1, 511, 512, 513, MiB - 1, MiB + 1, 3 * MiB + 12345 };
  g_autoptr(UbTransport) t = open_phone (p);
  g_autofree char *log = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autoptr(GInputStream) stream = ub_pattern_stream_new (sizes[i], i);
      g_autoptr(GError) error = NULL;
      g_autofree char *sha = ub_pattern_sha256 (sizes[i], i);
      g_autofree char *line = g_strdup_printf ("download %" G_GUINT64_FORMAT " %s\n", sizes[i], sha);
      g_autofree char *okay = NULL;
      guint8 buf[UB_TRANSPORT_MAX_PACKET];
      gssize n;

      start_download (t, sizes[i]);
      g_assert_true (ub_transport_write_stream (t, stream, sizes[i], 5000, NULL, NULL, NULL, &error));
      g_assert_no_error (error);
      n = ub_transport_read (t, buf, sizeof buf, 5000, NULL, &error);
      g_assert_no_error (error);
      okay = g_strndup ((const char *) buf, n);
      g_assert_cmpstr (okay, ==, "OKAY");
      g_free (log);
      log = read_log (p);
      g_assert_nonnull (strstr (log, line));
    }
}

/* ub_transport_write() of a big caller buffer uses the same pipeline. */
static void
test_write_buffer (Phone        *p,
                   gconstpointer data)
{
  const gsize size = 5 * MiB + 7;
  g_autoptr(UbTransport) t = open_phone (p);
  g_autofree guint8 *buf = g_malloc (size);
  g_autofree char *sha = ub_pattern_sha256 (size, 7);
  g_autofree char *line = g_strdup_printf ("download %" G_GSIZE_FORMAT " %s\n", size, sha);
  g_autofree char *log = NULL;
  g_autoptr(GError) error = NULL;
  guint8 resp[UB_TRANSPORT_MAX_PACKET];
  gssize n;

  ub_pattern_fill (7, 0, buf, size);
  start_download (t, size);
  g_assert_true (ub_transport_write (t, buf, size, 5000, NULL, &error));
  g_assert_no_error (error);
  n = ub_transport_read (t, resp, sizeof resp, 5000, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (n, ==, 4);
  g_assert_cmpmem (resp, 4, "OKAY", 4);
  log = read_log (p);
  g_assert_nonnull (strstr (log, line));
}

static void
unplug_at_32mib (guint64  done,
                 gpointer user_data)
{
  Phone *p = user_data;

  if (done >= 32 * MiB && ub_emu_usb_device_is_plugged (p->dev))
    ub_emu_usb_device_unplug (p->dev);
}

static void
test_unplug_mid_download (Phone        *p,
                          gconstpointer data)
{
  g_autoptr(UbTransport) t = open_phone (p);
  g_autoptr(GInputStream) stream = ub_pattern_stream_new (128 * MiB, 1);
  g_autoptr(GError) error = NULL;
  g_autofree char *log = NULL;
  guint8 buf[UB_TRANSPORT_MAX_PACKET];
  gint64 start;
  gssize n;

  start_download (t, 128 * MiB);
  start = g_get_monotonic_time ();
  g_assert_false (ub_transport_write_stream (t, stream, 128 * MiB, 10000, unplug_at_32mib, p,
                                             NULL, &error));
  g_assert_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_NO_DEVICE);
  g_assert_cmpstr (error->message, ==, "The phone was unplugged");
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_TIME_SPAN_SECOND);
  g_clear_error (&error);

  /* everything after it fails at once */
  start = g_get_monotonic_time ();
  n = ub_transport_read (t, buf, sizeof buf, 5000, NULL, &error);
  g_assert_cmpint (n, ==, -1);
  g_assert_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_NO_DEVICE);
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_TIME_SPAN_SECOND);
  g_clear_error (&error);

  log = read_log (p);
  g_assert_null (strstr (log, "download 134217728"));
}

/* The emulator's own fault: the phone drops off the bus after 8 MiB. */
static void
test_disconnect_fault (Phone        *p,
                       gconstpointer data)
{
  g_autoptr(UbTransport) t = open_phone (p);
  g_autoptr(GInputStream) stream = ub_pattern_stream_new (64 * MiB, 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = NULL;
  gint64 start;

  g_assert_true (ub_emu_phone_add_fault (p->phone, "disconnect-after:8388608", &error));
  start_download (t, 64 * MiB);
  start = g_get_monotonic_time ();
  g_assert_false (ub_transport_write_stream (t, stream, 64 * MiB, 10000, NULL, NULL, NULL, &error));
  g_assert_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_NO_DEVICE);
  g_assert_cmpstr (error->message, ==, "The phone was unplugged");
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_TIME_SPAN_SECOND);
  g_clear_error (&error);

  g_assert_true (ub_emu_usb_settle (bus, 5000));
  g_assert_false (ub_emu_usb_device_is_plugged (p->dev));
  list = ub_usb_transport_list_devices (&error);
  g_assert_no_error (error);
  g_assert_null (find_info (list, ub_emu_usb_device_get_path (p->dev)));
}

static void
test_stall (Phone        *p,
            gconstpointer data)
{
  g_autoptr(UbTransport) t = open_phone (p);
  g_autoptr(GInputStream) stream = ub_pattern_stream_new (64 * MiB, 1);
  g_autoptr(GError) error = NULL;
  UbEmuUsbStats st;
  gint64 start, elapsed;

  g_assert_true (ub_emu_phone_add_fault (p->phone, "stall-after:8388608", &error));
  start_download (t, 64 * MiB);
  start = g_get_monotonic_time ();
  g_assert_false (ub_transport_write_stream (t, stream, 64 * MiB, 1000, NULL, NULL, NULL, &error));
  elapsed = g_get_monotonic_time () - start;
  g_assert_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_TIMEOUT);
  g_assert_cmpstr (error->message, ==,
                   "The phone stopped accepting data — check the cable or try another USB port");
  g_test_message ("stall detected after %.2f s (stall timeout 1 s)", elapsed / 1e6);
  g_assert_cmpint (elapsed, >=, 1000 * 1000);
  g_assert_cmpint (elapsed, <, 2500 * 1000);

  /* every outstanding transfer was cancelled and reaped */
  ub_emu_usb_device_get_stats (p->dev, &st);
  g_assert_cmpuint (st.n_discard, >=, 1);
  g_assert_cmpuint (st.n_submit, ==, st.n_reap);
}

static void
cancel_at_16mib (guint64  done,
                 gpointer user_data)
{
  if (done >= 16 * MiB)
    g_cancellable_cancel (user_data);
}

static gboolean
cancel_later (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

static gpointer
cancel_thread (gpointer data)
{
  g_usleep (200 * 1000);
  cancel_later (data);
  return NULL;
}

static void
test_cancel (Phone        *p,
             gconstpointer data)
{
  g_autoptr(UbTransport) t = open_phone (p);
  g_autoptr(GInputStream) stream = ub_pattern_stream_new (128 * MiB, 1);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GCancellable) cancellable2 = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GThread) thread = NULL;
  guint8 buf[UB_TRANSPORT_MAX_PACKET];
  UbEmuUsbStats st;
  gint64 start;
  gssize n;

  /* mid-download */
  start_download (t, 128 * MiB);
  start = g_get_monotonic_time ();
  g_assert_false (ub_transport_write_stream (t, stream, 128 * MiB, 10000, cancel_at_16mib,
                                             cancellable, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_TIME_SPAN_SECOND);
  g_clear_error (&error);
  ub_emu_usb_device_get_stats (p->dev, &st);
  g_assert_cmpuint (st.n_submit, ==, st.n_reap);
  g_assert_cmpuint (st.bulk_out_bytes, <, 128 * MiB);

  /* a read waiting for an answer that never comes, cancelled from another thread */
  thread = g_thread_new ("cancel", cancel_thread, cancellable2);
  start = g_get_monotonic_time ();
  n = ub_transport_read (t, buf, sizeof buf, 20000, cancellable2, &error);
  g_assert_cmpint (n, ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 150 * 1000);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 1500 * 1000);
  g_thread_join (g_steal_pointer (&thread));
  ub_emu_usb_device_get_stats (p->dev, &st);
  g_assert_cmpuint (st.n_submit, ==, st.n_reap);
}

static void
test_two_phones (Phone        *p,
                 gconstpointer data)
{
  Phone p2 = { 0 };
  Download d1 = { .p = p, .size = 64 * MiB, .seed = 11 };
  Download d2 = { .p = &p2, .size = 64 * MiB, .seed = 22 };
  g_autofree char *sha1 = ub_pattern_sha256 (d1.size, d1.seed);
  g_autofree char *sha2 = ub_pattern_sha256 (d2.size, d2.seed);
  g_autofree char *log1 = NULL;
  g_autofree char *log2 = NULL;
  g_autofree char *line1 = NULL;
  g_autofree char *line2 = NULL;
  GThread *t1, *t2;
  gpointer r1, r2;
  gint64 start = g_get_monotonic_time ();

  phone_setup (&p2, NULL);
  t1 = g_thread_new ("phone1", download_thread, &d1);
  t2 = g_thread_new ("phone2", download_thread, &d2);
  /* listing meanwhile (a UI refreshing) neither disturbs nor reports them busy */
  for (guint i = 0; i < 10; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) list = ub_usb_transport_list_devices (&error);
      UbUsbDeviceInfo *info;

      g_assert_no_error (error);
      info = find_info (list, ub_emu_usb_device_get_path (p->dev));
      g_assert_nonnull (info);
      g_assert_cmpint (ub_usb_device_info_get_problem (info), ==, UB_USB_ACCESS_OK);
      g_usleep (20 * 1000);
    }
  r1 = g_thread_join (t1);
  r2 = g_thread_join (t2);
  g_assert_no_error (d1.error);
  g_assert_no_error (d2.error);
  g_assert_true (d1.ok && d2.ok && r1 && r2);
  g_test_message ("two phones x 64 MiB in parallel: %.2f s", (g_get_monotonic_time () - start) / 1e6);

  line1 = g_strdup_printf ("download %d %s\n", 64 * MiB, sha1);
  line2 = g_strdup_printf ("download %d %s\n", 64 * MiB, sha2);
  log1 = read_log (p);
  log2 = read_log (&p2);
  g_assert_nonnull (strstr (log1, line1));
  g_assert_nonnull (strstr (log2, line2));
  g_assert_null (strstr (log1, line2));
  phone_teardown (&p2, NULL);
}

static void
test_busy (Phone        *p,
           gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UbTransport) t = NULL;
  g_autoptr(UbTransport) t2 = NULL;
  g_autoptr(GPtrArray) list = NULL;
  UbUsbDeviceInfo *info;

  /* another program holds the interface */
  ub_emu_usb_device_set_claim_errno (p->dev, EBUSY);
  t = ub_usb_transport_open (p->serial, &error);
  g_assert_null (t);
  g_assert_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_BUSY);
  g_assert_cmpstr (error->message, ==,
                   "Another program is using the phone (an adb server, ModemManager, fwupd?)");
  g_clear_error (&error);
  list = ub_usb_transport_list_devices (&error);
  g_assert_no_error (error);
  info = find_info (list, ub_emu_usb_device_get_path (p->dev));
  g_assert_nonnull (info);
  g_assert_cmpint (ub_usb_device_info_get_problem (info), ==, UB_USB_ACCESS_BUSY);
  /* the serial still shows: it comes from sysfs, not from the (busy) device */
  g_assert_cmpstr (ub_usb_device_info_get_serial (info), ==, p->serial);
  g_clear_pointer (&list, g_ptr_array_unref);
  ub_emu_usb_device_set_claim_errno (p->dev, 0);

  /* our own open phone is not "busy" in the list, but a second open is refused */
  t = open_phone (p);
  list = ub_usb_transport_list_devices (&error);
  g_assert_no_error (error);
  info = find_info (list, ub_emu_usb_device_get_path (p->dev));
  g_assert_nonnull (info);
  g_assert_cmpint (ub_usb_device_info_get_problem (info), ==, UB_USB_ACCESS_OK);
  t2 = ub_usb_transport_open (p->serial, &error);
  g_assert_null (t2);
  g_assert_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_BUSY);
  g_clear_error (&error);

  /* after closing, it can be opened again */
  g_clear_object (&t);
  t2 = open_phone (p);
}

/* Drops (or restores) CAP_DAC_OVERRIDE/CAP_DAC_READ_SEARCH from the calling
 * thread's effective set, so root gets EACCES like a normal user would. */
static gboolean
set_dac_override (gboolean on)
{
  struct __user_cap_header_struct header = { .version = _LINUX_CAPABILITY_VERSION_3 };
  struct __user_cap_data_struct caps[_LINUX_CAPABILITY_U32S_3];
  guint32 bits = (1u << CAP_DAC_OVERRIDE) | (1u << CAP_DAC_READ_SEARCH);

  if (syscall (SYS_capget, &header, caps) != 0)
    return FALSE;
  if (on)
    caps[0].effective |= bits & caps[0].permitted;
  else
    caps[0].effective &= ~bits;
  return syscall (SYS_capset, &header, caps) == 0;
}

static void
test_permission (Phone        *p,
                 gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(UbTransport) t = NULL;
  g_autofree char *expect = NULL;
  UbUsbDeviceInfo *info;

  ub_emu_usb_device_set_node_mode (p->dev, 0);
  if (getuid () == 0 && !set_dac_override (FALSE))
    {
      g_test_skip ("cannot drop CAP_DAC_OVERRIDE");
      return;
    }

  list = ub_usb_transport_list_devices (&error);
  g_assert_no_error (error);
  info = find_info (list, ub_emu_usb_device_get_path (p->dev));
  g_assert_nonnull (info);
  g_assert_cmpint (ub_usb_device_info_get_problem (info), ==, UB_USB_ACCESS_PERMISSION);
  g_assert_cmpstr (ub_usb_device_info_get_serial (info), ==, p->serial);

  t = ub_usb_transport_open (p->serial, &error);
  g_assert_null (t);
  g_assert_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_PERMISSION);
  expect = g_strdup_printf ("Permission denied for the USB device %s — install the udev rule "
                            "that gives your user access to phones, then unplug and replug "
                            "the phone", ub_emu_usb_device_get_path (p->dev));
  g_assert_cmpstr (error->message, ==, expect);

  g_assert_true (getuid () != 0 || set_dac_override (TRUE));
}

static void
test_no_mem (Phone        *p,
             gconstpointer data)
{
  const guint64 size = 8 * MiB + 100;
  g_autoptr(UbTransport) t = open_phone (p);
  g_autoptr(GInputStream) stream = ub_pattern_stream_new (size, 3);
  g_autoptr(GError) error = NULL;
  g_autofree char *sha = ub_pattern_sha256 (size, 3);
  g_autofree char *line = g_strdup_printf ("download %" G_GUINT64_FORMAT " %s\n", size, sha);
  g_autofree char *okay = NULL;
  g_autofree char *log = NULL;
  guint8 buf[UB_TRANSPORT_MAX_PACKET];
  UbEmuUsbStats st;
  gssize n;

  /* the host is short of usbfs memory: URBs over 256 KiB fail with ENOMEM */
  ub_emu_usb_device_set_max_urb (p->dev, 256 * 1024);
  start_download (t, size);
  g_assert_true (ub_transport_write_stream (t, stream, size, 5000, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  n = ub_transport_read (t, buf, sizeof buf, 5000, NULL, &error);
  g_assert_no_error (error);
  okay = g_strndup ((const char *) buf, n);
  g_assert_cmpstr (okay, ==, "OKAY");
  log = read_log (p);
  g_assert_nonnull (strstr (log, line));

  g_assert_cmpuint (ub_usb_transport_get_transfer_size (UB_USB_TRANSPORT (t)), ==, 256 * 1024);
  ub_emu_usb_device_get_stats (p->dev, &st);
  g_assert_cmpuint (st.n_enomem, ==, 2);   /* 1 MiB, then 512 KiB */
  g_assert_cmpuint (st.max_out_urb, ==, 256 * 1024);

  /* even smaller than the floor: the error surfaces */
  ub_emu_usb_device_set_max_urb (p->dev, 8 * 1024);
  g_clear_object (&stream);
  stream = ub_pattern_stream_new (MiB, 3);
  start_download (t, MiB);
  g_assert_false (ub_transport_write_stream (t, stream, MiB, 5000, NULL, NULL, NULL, &error));
  g_assert_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_IO);
  g_assert_cmpstr (error->message, ==, "Not enough memory for USB transfers");
  g_assert_cmpuint (ub_usb_transport_get_transfer_size (UB_USB_TRANSPORT (t)), ==,
                    UB_USB_MIN_TRANSFER_SIZE);
}

static void
test_drain_stale (Phone        *p,
                  gconstpointer data)
{
  g_autoptr(UbTransport) t = open_phone (p);
  g_autoptr(GError) error = NULL;
  g_autofree char *resp = NULL;
  g_autofree char *expect = g_strdup_printf ("OKAY%s", p->serial);

  /* a previous run sent a command and never read the answer */
  g_assert_true (ub_transport_write (t, (const guint8 *) "getvar:product", 14, 1000, NULL, &error));
  g_assert_no_error (error);
  g_clear_object (&t);

  t = open_phone (p);
  resp = command (t, "getvar:serialno");
  g_assert_cmpstr (resp, ==, expect);
}

static void
test_reboot_bootloader (Phone        *p,
                        gconstpointer data)
{
  g_autoptr(UbTransport) t = open_phone (p);
  g_autoptr(GError) error = NULL;
  g_autofree char *resp = NULL;
  g_autofree char *serial = NULL;
  g_autofree char *expect = g_strdup_printf ("OKAY%s", p->serial);
  g_autofree char *log = NULL;
  g_autoptr(GPtrArray) list = NULL;
  UbUsbDeviceInfo *info;

  resp = command (t, "reboot-bootloader");
  g_assert_cmpstr (resp, ==, "OKAY");
  g_assert_true (ub_usb_transport_wait_for_disconnect (UB_USB_TRANSPORT (t), 3000));
  g_clear_object (&t);

  t = ub_usb_transport_wait_open (p->serial, 5000, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (t);
  g_assert_cmpuint (ub_emu_usb_device_get_plug_count (p->dev), ==, 2);
  serial = command (t, "getvar:serialno");
  g_assert_cmpstr (serial, ==, expect);
  log = read_log (p);
  g_assert_nonnull (strstr (log, "reboot bootloader\n"));

  /* reboot to Android: it comes back as an adb device */
  g_free (resp);
  resp = command (t, "reboot");
  g_assert_cmpstr (resp, ==, "OKAY");
  g_assert_true (ub_usb_transport_wait_for_disconnect (UB_USB_TRANSPORT (t), 3000));
  g_assert_true (ub_emu_usb_settle (bus, 5000));
  list = ub_usb_transport_list_devices (&error);
  g_assert_no_error (error);
  info = find_info (list, ub_emu_usb_device_get_path (p->dev));
  g_assert_nonnull (info);
  g_assert_cmpint (ub_usb_device_info_get_kind (info), ==, UB_USB_DEVICE_KIND_ADB);
  g_assert_cmpstr (ub_usb_device_info_get_serial (info), ==, p->serial);
  g_clear_object (&t);
  t = ub_usb_transport_open (p->serial, &error);
  g_assert_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_NOT_FOUND);
  g_free (expect);
  expect = g_strdup_printf ("No phone in fastboot mode with serial number or path “%s” was found",
                            p->serial);
  g_assert_cmpstr (error->message, ==, expect);
}

static void
test_not_found (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UbTransport) t = ub_usb_transport_open ("no-such-phone", &error);

  g_assert_null (t);
  g_assert_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==,
                   "No phone in fastboot mode with serial number or path “no-such-phone” was found");
}

/* umockdev logs every sysfs change at debug level; keep the test log readable. */
static GLogWriterOutput
quiet_writer (GLogLevelFlags   level,
              const GLogField *fields,
              gsize            n_fields,
              gpointer         user_data)
{
  if ((level & G_LOG_LEVEL_DEBUG) && g_getenv ("UB_USB_DEBUG") == NULL)
    return G_LOG_WRITER_HANDLED;
  return g_log_writer_default (level, fields, n_fields, user_data);
}

static void
drop_debug (const char     *domain,
            GLogLevelFlags  level,
            const char     *message,
            gpointer        user_data)
{
  if (!(level & G_LOG_LEVEL_DEBUG))
    g_log_default_handler (domain, level, message, user_data);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int ret;

  g_test_init (&argc, &argv, NULL);
  g_log_set_writer_func (quiet_writer, NULL, NULL);
  if (g_getenv ("UB_USB_DEBUG") == NULL)
    g_log_set_default_handler (drop_debug, NULL);

  /* The bus must exist before libusb is first initialised. */
  bus = ub_emu_usb_new (&error);
  if (bus == NULL)
    {
      g_printerr ("SKIP: %s\n", error->message);
      return 77;
    }
  /* libumockdev-preload sleeps after every emulated ioctl; keep that short */
  prctl (PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);

#define PHONE_TEST(path, func, data) \
  g_test_add (path, Phone, data, phone_setup, func, phone_teardown)

  PHONE_TEST ("/usb/enumerate", test_enumerate, NULL);
  PHONE_TEST ("/usb/getvar", test_getvar, NULL);
  PHONE_TEST ("/usb/read-timeout", test_no_response_timeout, NULL);
  PHONE_TEST ("/usb/download-256m", test_download, GSIZE_TO_POINTER ((gsize) 256 * MiB));
  PHONE_TEST ("/usb/download-odd-sizes", test_download_odd_size, NULL);
  PHONE_TEST ("/usb/write-buffer", test_write_buffer, NULL);
  PHONE_TEST ("/usb/unplug-mid-download", test_unplug_mid_download, NULL);
  PHONE_TEST ("/usb/disconnect-fault", test_disconnect_fault, NULL);
  PHONE_TEST ("/usb/stall", test_stall, NULL);
  PHONE_TEST ("/usb/cancel", test_cancel, NULL);
  PHONE_TEST ("/usb/two-phones", test_two_phones, NULL);
  PHONE_TEST ("/usb/busy", test_busy, NULL);
  PHONE_TEST ("/usb/permission", test_permission, NULL);
  PHONE_TEST ("/usb/no-mem", test_no_mem, NULL);
  PHONE_TEST ("/usb/drain-stale", test_drain_stale, NULL);
  PHONE_TEST ("/usb/reboot", test_reboot_bootloader, NULL);
  g_test_add_func ("/usb/not-found", test_not_found);

  ret = g_test_run ();
  g_clear_object (&bus);
  return ret;
}
