/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ub_advice_for_error: one sentence per error, for a command and for a resumable flash. */
#include "config.h"

#include <gio/gio.h>
#include <locale.h>

#include "ub-adb-error.h"
#include "ub-advice.h"
#include "ub-fastboot-error.h"
#include "ub-online-error.h"
#include "ub-rom-error.h"

typedef struct {
  GQuark      domain;
  gint        code;
  const char *address;
  const char *expected;   /* NULL: the error's message is all there is to say */
} Case;

/* Each case's advice in @context (and, when @also is not the same, in @also too). */
static void
assert_cases (const Case      *cases,
              gsize            n,
              UbAdviceContext  context,
              UbAdviceContext  also)
{
  for (gsize i = 0; i < n; i++)
    {
      g_autoptr(GError) error = g_error_new_literal (cases[i].domain, cases[i].code, "message");
      g_autofree char *got = ub_advice_for_error (error, cases[i].address, context);
      g_autofree char *got_also = ub_advice_for_error (error, cases[i].address, also);

      g_test_message ("case %" G_GSIZE_FORMAT ": %s %d", i, g_quark_to_string (cases[i].domain),
                      cases[i].code);
      g_assert_cmpstr (got, ==, cases[i].expected);
      g_assert_cmpstr (got_also, ==, cases[i].expected);
    }
}

static void
test_command (void)
{
  const Case cases[] = {
    { UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_NOT_FOUND, "usb:1-1",
      "Put the phone in fastboot mode (power off, then hold Volume Down and Power) and connect it "
      "with a USB cable." },
    { UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_TIMEOUT, NULL,
      "Check the cable, try another USB port (a port on the computer itself, not a hub), and make "
      "sure the phone still shows FASTBOOT." },
    { UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_NO_DEVICE, "tcp:10.0.0.2:5554",
      "Check that the device at 10.0.0.2:5554 is running and in fastboot mode." },
    /* over the network, a permission problem is still about udev */
    { UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_PERMISSION, "tcp:h",
      "Install Unbrick's udev rule so your user may use the phone, then unplug and reconnect it." },
    { UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_BUSY, NULL,
      "Close other programs that use the phone (an adb server, Android Studio, another flashing "
      "tool), then try again." },
    { UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_PROTOCOL, NULL,
      "Unplug the phone, connect it again and retry." },
    { G_IO_ERROR, G_IO_ERROR_CANCELLED, NULL,
      "Stopped. If the phone was receiving data, unplug it and connect it again before you retry; "
      "it stays in fastboot mode." },
    /* the phone's own refusal, or a file problem, says it all */
    { UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_REMOTE, NULL, NULL },
    { UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_INVALID_IMAGE, NULL, NULL },
    { UB_ROM_ERROR, UB_ROM_ERROR_MISMATCH, NULL, NULL },
    { G_FILE_ERROR, G_FILE_ERROR_NOENT, NULL, NULL },
  };

  assert_cases (cases, G_N_ELEMENTS (cases), UB_ADVICE_COMMAND, UB_ADVICE_COMMAND);
}

static void
test_resume (void)
{
  const Case cases[] = {
    { UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_TIMEOUT, "8d1cac2",
      "No data moved for a while. Check the cable, try another USB port (one on the computer "
      "itself, not a hub) or another cable, make sure the phone still shows FASTBOOT, then "
      "resume." },
    { UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_IO, NULL,
      "The phone was disconnected. Connect it again (if it left fastboot mode, hold Volume Down "
      "and Power until FASTBOOT appears), then resume." },
    { UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_NOT_FOUND, "tcp:127.0.0.1:5554",
      "Check that the device at 127.0.0.1:5554 is running and in fastboot mode, then resume." },
    { UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_DEFERRED, NULL,
      "Resume to try this step again. If it fails again, the ROM may not suit this phone; write "
      "down the message and ask for help." },
    { UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_PERMISSION, NULL,
      "Install Unbrick's udev rule so your user may use the phone, reconnect it, then resume." },
    { UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_BUSY, NULL,
      "Close other programs that use the phone (an adb server, another flashing tool), then "
      "resume." },
    { UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_PROTOCOL, NULL,
      "Unplug the phone, connect it again, then resume." },
    { UB_ROM_ERROR, UB_ROM_ERROR_MISMATCH, NULL,
      "Connect the phone you checked, or check this phone again." },
    /* a stopped job describes the phone itself */
    { G_IO_ERROR, G_IO_ERROR_CANCELLED, NULL, NULL },
    { UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_INVALID_ARGUMENT, NULL, NULL },
  };

  assert_cases (cases, G_N_ELEMENTS (cases), UB_ADVICE_RESUME, UB_ADVICE_RESUME);
}

/* a download's errors: the same next step as a command or within a longer task */
static void
test_online (void)
{
  const Case cases[] = {
    { UB_ONLINE_ERROR, UB_ONLINE_ERROR_NETWORK, NULL,
      "Check that the computer is connected to the internet, then start the download again: it "
      "continues where it stopped." },
    { UB_ONLINE_ERROR, UB_ONLINE_ERROR_BAD_URL, NULL,
      "Copy the download link of the fastboot ROM again from its download page (it starts with "
      "https:// and ends with the file name, e.g. .tgz) and paste it whole." },
    { UB_ONLINE_ERROR, UB_ONLINE_ERROR_CHECKSUM, "tcp:10.0.0.2:5554",
      "Check the MD5 against the download page if you typed one, then start the download "
      "again." },
    { UB_ONLINE_ERROR, UB_ONLINE_ERROR_NO_SPACE, NULL,
      "Free some disk space (a ROM needs several gigabytes, twice that to unpack it) or pick "
      "another download folder, then start the download again." },
    /* a file that could not be written or renamed: its message says it all */
    { UB_ONLINE_ERROR, UB_ONLINE_ERROR_FAILED, NULL, NULL },
  };

  assert_cases (cases, G_N_ELEMENTS (cases), UB_ADVICE_COMMAND, UB_ADVICE_RESUME);
}

#define ENTER_RECOVERY \
  "Switch the phone off, then hold Volume Up and Power until the Mi logo appears and let go. In " \
  "the recovery menu choose “Connect with MIAssistant” (on some phones first “Mi Assistant”), " \
  "then connect the cable again. (For fastboot mode instead: Volume Down and Power.)"
#define INTERRUPTED \
  "The install was interrupted. The phone stays in recovery: keep it there (or enter Connect " \
  "with MIAssistant again), reconnect the cable and install again — the package is kept."

/* a phone in Mi Assistant recovery: never fastboot's advice */
#define WIPE_INTERRUPTED \
  "The factory reset may not have finished. Keep the phone in recovery (or enter Connect with " \
  "MIAssistant again), reconnect the cable and erase all data again."

static void
test_recovery (void)
{
  const Case cases[] = {
    { UB_ADB_ERROR, UB_ADB_ERROR_AUTH_REQUIRED, NULL, ENTER_RECOVERY },
    { UB_ADB_ERROR, UB_ADB_ERROR_NOT_MI_ASSISTANT, "usb:1-1", ENTER_RECOVERY },
    { UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_NOT_FOUND, NULL, ENTER_RECOVERY },
    { UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_NO_DEVICE, "tcp:10.0.0.2:5555",
      "Check that the device at 10.0.0.2:5555 is running and in Mi Assistant mode." },
    { UB_ADB_ERROR, UB_ADB_ERROR_INSTALL_FAILED, NULL,
      "The phone refused the package. Try another ROM Xiaomi offers for "
      "this phone, or erase all data (factory reset) and install again." },
    { UB_ONLINE_ERROR, UB_ONLINE_ERROR_REFUSED, NULL,
      "Xiaomi did not approve this package for this phone. Choose one of the ROMs Xiaomi offers "
      "for it (unbrick-cli recovery roms lists them), made for the phone's region, and install "
      "that one." },
    { G_IO_ERROR, G_IO_ERROR_CANCELLED, NULL, NULL },
  };
  const Case sideload[] = {
    { UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_NO_DEVICE, NULL, INTERRUPTED },
    { UB_ADB_ERROR, UB_ADB_ERROR_CLOSED, "tcp:h", INTERRUPTED },
    { G_IO_ERROR, G_IO_ERROR_CANCELLED, NULL, INTERRUPTED },
    { UB_ADB_ERROR, UB_ADB_ERROR_TIMEOUT, NULL,
      "The phone stopped asking for data. It may still be working: watch its screen and wait. If "
      "nothing changes for 10 minutes, unplug the cable, enter Connect with MIAssistant again, "
      "reconnect and install again — the package is kept." },
  };

  /* a factory reset whose link went away after format-data: was sent; the
   * rest as in recovery */
  const Case wipe[] = {
    { UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_NO_DEVICE, "tcp:h", WIPE_INTERRUPTED },
    { UB_ADB_ERROR, UB_ADB_ERROR_CLOSED, NULL, WIPE_INTERRUPTED },
    { UB_ADB_ERROR, UB_ADB_ERROR_TIMEOUT, NULL, WIPE_INTERRUPTED },
    { UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_BUSY, NULL,
      "Close other programs that use the phone (an adb server, Android Studio, another flashing "
      "tool), then try again." },
    { UB_ADB_ERROR, UB_ADB_ERROR_REFUSED, NULL,
      "The phone's recovery does not offer this. Restart it into recovery (Volume Up and Power) "
      "and choose Connect with MIAssistant again." },
    { G_IO_ERROR, G_IO_ERROR_CANCELLED, NULL, NULL },
  };

  assert_cases (cases, G_N_ELEMENTS (cases), UB_ADVICE_RECOVERY, UB_ADVICE_RECOVERY);
  assert_cases (wipe, G_N_ELEMENTS (wipe), UB_ADVICE_WIPE, UB_ADVICE_WIPE);
  assert_cases (cases, 2, UB_ADVICE_WIPE, UB_ADVICE_WIPE);
  assert_cases (sideload, G_N_ELEMENTS (sideload), UB_ADVICE_SIDELOAD, UB_ADVICE_SIDELOAD);
  /* an adb error outside the recovery commands still says how to reach recovery */
  assert_cases (cases, 2, UB_ADVICE_COMMAND, UB_ADVICE_RESUME);
}

int
main (int argc, char **argv)
{
  /* the sentences as written, whatever the tester's language */
  g_setenv ("LANGUAGE", "C", TRUE);
  setlocale (LC_ALL, "C");
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/advice/command", test_command);
  g_test_add_func ("/advice/resume", test_resume);
  g_test_add_func ("/advice/online", test_online);
  g_test_add_func ("/advice/recovery", test_recovery);
  return g_test_run ();
}
