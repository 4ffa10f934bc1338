/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The emulated Mi Assistant recovery on the emulated USB bus, driven with
 * libusb directly (not src/adb): header and payload as separate bulk
 * transfers, a zero-length packet after a multiple of wMaxPacketSize, as
 * AOSP's host does. Run under umockdev-wrapper; exits 77 otherwise.
 */
#include "config.h"

#include <libusb.h>
#include <string.h>
#include <sys/prctl.h>

#include "ub-emu-usb.h"
#include "ub-emu-xiaomi-key.h"

#include "ub-test-utils.h"

#define A_CNXN 0x4e584e43u
#define A_OPEN 0x4e45504fu
#define A_OKAY 0x59414b4fu
#define A_WRTE 0x45545257u
#define A_CLSE 0x45534c43u

#define EP_OUT   0x01
#define EP_IN    0x81
#define MAX_PACKET 512
#define BLOCK    65536
#define TIMEOUT  10000

static UbEmuUsb *bus;

typedef struct {
  char                 *dir;
  UbEmuRecovery        *recovery;
  UbEmuUsbDevice       *dev;
  libusb_context       *ctx;
  libusb_device_handle *handle;
} Fixture;

typedef struct {
  guint32 cmd, arg0, arg1;
  guint8 *data;
  gsize   len;
} Packet;

static void
fixture_setup (Fixture       *fx,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *package = NULL;
  libusb_device **list = NULL;
  ssize_t n;

  fx->dir = ub_test_make_tmp_dir ("ub-usb-recovery-XXXXXX");
  package = g_build_filename (fx->dir, "package.zip", NULL);
  fx->recovery = ub_emu_recovery_new (package);
  fx->dev = ub_emu_usb_add_recovery (bus, fx->recovery, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ub_emu_usb_device_get_kind (fx->dev), ==, UB_EMU_USB_RECOVERY);
  g_assert_cmpstr (ub_emu_usb_device_get_serial (fx->dev), ==, "3f6a2b91");

  g_assert_cmpint (libusb_init (&fx->ctx), ==, 0);
  n = libusb_get_device_list (fx->ctx, &list);
  g_assert_cmpint (n, >, 0);
  for (ssize_t i = 0; i < n && fx->handle == NULL; i++)
    {
      struct libusb_device_descriptor dd;
      struct libusb_config_descriptor *cd = NULL;

      g_assert_cmpint (libusb_get_device_descriptor (list[i], &dd), ==, 0);
      if (dd.idVendor != 0x18d1 || dd.idProduct != 0xd001)
        continue;
      g_assert_cmpint (libusb_get_active_config_descriptor (list[i], &cd), ==, 0);
      g_assert_cmpuint (cd->interface[0].altsetting[0].bInterfaceClass, ==, 0xff);
      g_assert_cmpuint (cd->interface[0].altsetting[0].bInterfaceSubClass, ==, 0x42);
      g_assert_cmpuint (cd->interface[0].altsetting[0].bInterfaceProtocol, ==, 0x01);
      libusb_free_config_descriptor (cd);
      g_assert_cmpint (libusb_open (list[i], &fx->handle), ==, 0);
    }
  libusb_free_device_list (list, 1);
  g_assert_nonnull (fx->handle);
  g_assert_cmpint (libusb_claim_interface (fx->handle, 0), ==, 0);
}

static void
fixture_teardown (Fixture       *fx,
                  gconstpointer  data)
{
  libusb_release_interface (fx->handle, 0);
  libusb_close (fx->handle);
  libusb_exit (fx->ctx);
  ub_emu_usb_device_unplug (fx->dev);
  g_assert_true (ub_emu_usb_settle (bus, 5000));
  g_clear_object (&fx->recovery);
  ub_test_rm_rf (fx->dir);
  g_free (fx->dir);
}

static void
bulk_out (Fixture    *fx,
          const void *data,
          gsize       len)
{
  int actual = 0;

  g_assert_cmpint (libusb_bulk_transfer (fx->handle, EP_OUT, (guint8 *) data, (int) len,
                                         &actual, TIMEOUT), ==, 0);
  g_assert_cmpint (actual, ==, (int) len);
  if (len > 0 && len % MAX_PACKET == 0)
    {
      g_assert_cmpint (libusb_bulk_transfer (fx->handle, EP_OUT, NULL, 0, &actual, TIMEOUT), ==, 0);
    }
}

static void
send_packet (Fixture    *fx,
             guint32     cmd,
             guint32     arg0,
             guint32     arg1,
             const void *data,
             gsize       len)
{
  guint32 h[6] = {
    GUINT32_TO_LE (cmd), GUINT32_TO_LE (arg0), GUINT32_TO_LE (arg1),
    GUINT32_TO_LE ((guint32) len), 0, GUINT32_TO_LE (cmd ^ 0xffffffffu),
  };

  bulk_out (fx, h, sizeof h);
  if (len > 0)
    bulk_out (fx, data, len);
}

/* One IN transfer per header and per payload. */
static int
recv_packet (Fixture *fx,
             Packet  *p)
{
  guint32 h[6];
  int actual = 0;
  int r;

  r = libusb_bulk_transfer (fx->handle, EP_IN, (guint8 *) h, sizeof h, &actual, TIMEOUT);
  if (r != 0)
    return r;
  g_assert_cmpint (actual, ==, sizeof h);
  p->cmd = GUINT32_FROM_LE (h[0]);
  p->arg0 = GUINT32_FROM_LE (h[1]);
  p->arg1 = GUINT32_FROM_LE (h[2]);
  p->len = GUINT32_FROM_LE (h[3]);
  g_assert_cmphex (GUINT32_FROM_LE (h[5]), ==, p->cmd ^ 0xffffffffu);
  p->data = g_malloc0 (p->len + 1);
  if (p->len > 0)
    {
      g_assert_cmpint (libusb_bulk_transfer (fx->handle, EP_IN, p->data, (int) p->len,
                                             &actual, TIMEOUT), ==, 0);
      g_assert_cmpint (actual, ==, (int) p->len);
    }
  return 0;
}

static void
expect_packet (Fixture    *fx,
               guint32     cmd,
               guint32     arg1,
               const char *text,
               guint32    *arg0)
{
  Packet p = { 0 };

  g_assert_cmpint (recv_packet (fx, &p), ==, 0);
  g_assert_cmphex (p.cmd, ==, cmd);
  g_assert_cmpuint (p.arg1, ==, arg1);
  if (text)
    g_assert_cmpstr ((const char *) p.data, ==, text);
  if (arg0)
    *arg0 = p.arg0;
  g_free (p.data);
}

static void
do_connect (Fixture *fx)
{
  static const char host[] = "host::\0";

  send_packet (fx, A_CNXN, 0x01000001, 1024 * 1024, host, sizeof host - 1);
  expect_packet (fx, A_CNXN, 1024 * 1024, "sideload::", NULL);
}

static void
test_service (Fixture       *fx,
              gconstpointer  data)
{
  guint32 remote = 0;

  do_connect (fx);
  send_packet (fx, A_OPEN, 1, 0, "getdevice:", sizeof "getdevice:");
  expect_packet (fx, A_OKAY, 1, NULL, &remote);
  expect_packet (fx, A_WRTE, 1, "begonia\n", NULL);
  send_packet (fx, A_OKAY, 1, remote, NULL, 0);
  expect_packet (fx, A_CLSE, 1, NULL, NULL);
}

static void
test_reboot_unplugs (Fixture       *fx,
                     gconstpointer  data)
{
  Packet p = { 0 };

  do_connect (fx);
  send_packet (fx, A_OPEN, 1, 0, "reboot:bootloader", sizeof "reboot:bootloader");
  expect_packet (fx, A_OKAY, 1, NULL, NULL);
  /* the OKAY was read: the recovery drops off the bus */
  g_assert_cmpint (recv_packet (fx, &p), ==, LIBUSB_ERROR_NO_DEVICE);
  g_assert_true (ub_emu_usb_settle (bus, 5000));
  g_assert_false (ub_emu_usb_device_is_plugged (fx->dev));
  g_assert_cmpstr (ub_emu_recovery_get_last_reboot (fx->recovery), ==, "bootloader");
}

/* Plays the host's side of a sideload; the final text, or NULL when the
 * device left the bus. */
static char *
sideload (Fixture *fx,
          guint    nblocks,
          guint   *requests)
{
  g_autoptr(GBytes) package = ub_test_random_bytes ((gsize) nblocks * BLOCK, 42);
  g_autofree char *sha1 = g_compute_checksum_for_bytes (G_CHECKSUM_SHA1, package);
  g_autoptr(GError) error = NULL;
  g_autofree char *token = ub_emu_token_sign ("3f6a2b91", "V12.5.6.0.RGGMIXM", "2", sha1, &error);
  g_autofree char *service = NULL;
  char *final = NULL;
  const guint8 *bytes = g_bytes_get_data (package, NULL);
  guint32 remote = 0;

  g_assert_no_error (error);
  service = g_strdup_printf ("sideload-host:%u:%d:%s:0", nblocks * BLOCK, BLOCK, token);
  do_connect (fx);
  send_packet (fx, A_OPEN, 1, 0, service, strlen (service) + 1);
  expect_packet (fx, A_OKAY, 1, NULL, &remote);
  for (;;)
    {
      Packet p = { 0 };
      int r = recv_packet (fx, &p);

      if (r == LIBUSB_ERROR_NO_DEVICE)
        {
          g_free (final);
          return NULL;
        }
      g_assert_cmpint (r, ==, 0);
      if (p.cmd == A_CLSE)
        {
          g_free (p.data);
          break;
        }
      g_assert_cmphex (p.cmd, ==, A_WRTE);
      send_packet (fx, A_OKAY, 1, remote, NULL, 0);
      if (p.len == 8 && strcmp ((char *) p.data, "DONEDONE") != 0)
        {
          guint64 block = g_ascii_strtoull ((char *) p.data, NULL, 10);

          g_assert_cmpuint (block, <, nblocks);
          (*requests)++;
          send_packet (fx, A_WRTE, 1, remote, bytes + block * BLOCK, BLOCK);
          g_clear_pointer (&p.data, g_free);
          r = recv_packet (fx, &p);
          if (r == LIBUSB_ERROR_NO_DEVICE)
            {
              g_free (final);
              return NULL;
            }
          g_assert_cmpint (r, ==, 0);
          g_assert_cmphex (p.cmd, ==, A_OKAY);
        }
      else
        {
          g_free (final);
          final = g_strdup ((char *) p.data);
        }
      g_free (p.data);
    }
  return final;
}

/* Whole 64 KiB blocks: each is followed by a zero-length packet. */
static void
test_sideload (Fixture       *fx,
               gconstpointer  data)
{
  g_autofree char *final = NULL;
  UbEmuUsbStats st;
  guint requests = 0;

  final = sideload (fx, 3, &requests);
  g_assert_cmpstr (final, ==, "DONEDONE");
  g_assert_cmpuint (requests, >=, 6);
  g_assert_cmpuint (ub_emu_recovery_get_installs (fx->recovery), ==, 1);
  ub_emu_usb_device_get_stats (fx->dev, &st);
  g_assert_cmpuint (st.n_zero_length_out_adb, ==, requests);
  g_assert_cmpuint (st.n_zero_length_out, ==, 0);
}

/* The unplug fault takes the recovery off the bus mid-sideload. */
static void
test_unplug_fault (Fixture       *fx,
                   gconstpointer  data)
{
  g_autofree char *final = NULL;
  guint requests = 0;

  ub_emu_recovery_set_fault (fx->recovery, UB_EMU_RECOVERY_FAULT_UNPLUG, 2 * BLOCK, 0);
  final = sideload (fx, 4, &requests);
  g_assert_null (final);
  g_assert_cmpuint (requests, ==, 2);
  g_assert_true (ub_emu_usb_settle (bus, 5000));
  g_assert_false (ub_emu_usb_device_is_plugged (fx->dev));
  g_assert_cmpuint (ub_emu_recovery_get_installs (fx->recovery), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int ret;

  g_test_init (&argc, &argv, NULL);

  bus = ub_emu_usb_new (&error);
  if (bus == NULL)
    {
      g_printerr ("SKIP: %s\n", error->message);
      return 77;
    }
  /* libumockdev-preload sleeps after every emulated ioctl; keep that short */
  prctl (PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);

  g_test_add ("/usb-recovery/service", Fixture, NULL, fixture_setup, test_service, fixture_teardown);
  g_test_add ("/usb-recovery/reboot-unplugs", Fixture, NULL, fixture_setup, test_reboot_unplugs, fixture_teardown);
  g_test_add ("/usb-recovery/sideload", Fixture, NULL, fixture_setup, test_sideload, fixture_teardown);
  g_test_add ("/usb-recovery/unplug-fault", Fixture, NULL, fixture_setup, test_unplug_fault, fixture_teardown);

  ret = g_test_run ();
  g_clear_object (&bus);
  return ret;
}
