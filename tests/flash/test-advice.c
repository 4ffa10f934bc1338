/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ub_advice_for_error: one sentence per error, for a command and for a resumable flash. */
#include "config.h"

#include <gio/gio.h>
#include <locale.h>

#include "ub-advice.h"
#include "ub-fastboot-error.h"
#include "ub-online-error.h"
#include "ub-rom-error.h"

static char *
advice (GQuark domain, gint code, const char *address, UbAdviceContext context)
{
  g_autoptr(GError) error = g_error_new_literal (domain, code, "message");
  return ub_advice_for_error (error, address, context);
}

#define ASSERT_ADVICE(domain, code, address, context, expected) \
  G_STMT_START { \
    g_autofree char *got_ = advice (domain, code, address, context); \
    g_assert_cmpstr (got_, ==, expected); \
  } G_STMT_END

static void
test_command (void)
{
  ASSERT_ADVICE (UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_NOT_FOUND, "usb:1-1", UB_ADVICE_COMMAND,
                 "Put the phone in fastboot mode (power off, then hold Volume Down and Power) and "
                 "connect it with a USB cable.");
  ASSERT_ADVICE (UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_TIMEOUT, NULL, UB_ADVICE_COMMAND,
                 "Check the cable, try another USB port (a port on the computer itself, not a hub), "
                 "and make sure the phone still shows FASTBOOT.");
  ASSERT_ADVICE (UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_NO_DEVICE, "tcp:10.0.0.2:5554", UB_ADVICE_COMMAND,
                 "Check that the device at 10.0.0.2:5554 is running and in fastboot mode.");
  /* over the network, a permission problem is still about udev */
  ASSERT_ADVICE (UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_PERMISSION, "tcp:h", UB_ADVICE_COMMAND,
                 "Install Unbrick's udev rule so your user may use the phone, then unplug and "
                 "reconnect it.");
  ASSERT_ADVICE (UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_BUSY, NULL, UB_ADVICE_COMMAND,
                 "Close other programs that use the phone (an adb server, Android Studio, another "
                 "flashing tool), then try again.");
  ASSERT_ADVICE (UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_PROTOCOL, NULL, UB_ADVICE_COMMAND,
                 "Unplug the phone, connect it again and retry.");
  ASSERT_ADVICE (G_IO_ERROR, G_IO_ERROR_CANCELLED, NULL, UB_ADVICE_COMMAND,
                 "Stopped. If the phone was receiving data, unplug it and connect it again before "
                 "you retry; it stays in fastboot mode.");
  /* the phone's own refusal, or a file problem, says it all */
  ASSERT_ADVICE (UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_REMOTE, NULL, UB_ADVICE_COMMAND, NULL);
  ASSERT_ADVICE (UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_INVALID_IMAGE, NULL, UB_ADVICE_COMMAND, NULL);
  ASSERT_ADVICE (UB_ROM_ERROR, UB_ROM_ERROR_MISMATCH, NULL, UB_ADVICE_COMMAND, NULL);
  ASSERT_ADVICE (G_FILE_ERROR, G_FILE_ERROR_NOENT, NULL, UB_ADVICE_COMMAND, NULL);
}

static void
test_resume (void)
{
  ASSERT_ADVICE (UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_TIMEOUT, "8d1cac2", UB_ADVICE_RESUME,
                 "No data moved for a while. Check the cable, try another USB port (one on the "
                 "computer itself, not a hub) or another cable, make sure the phone still shows "
                 "FASTBOOT, then resume.");
  ASSERT_ADVICE (UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_IO, NULL, UB_ADVICE_RESUME,
                 "The phone was disconnected. Connect it again (if it left fastboot mode, hold "
                 "Volume Down and Power until FASTBOOT appears), then resume.");
  ASSERT_ADVICE (UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_NOT_FOUND, "tcp:127.0.0.1:5554", UB_ADVICE_RESUME,
                 "Check that the device at 127.0.0.1:5554 is running and in fastboot mode, then "
                 "resume.");
  ASSERT_ADVICE (UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_DEFERRED, NULL, UB_ADVICE_RESUME,
                 "Resume to try this step again. If it fails again, the ROM may not suit this "
                 "phone; write down the message and ask for help.");
  ASSERT_ADVICE (UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_PERMISSION, NULL, UB_ADVICE_RESUME,
                 "Install Unbrick's udev rule so your user may use the phone, reconnect it, then "
                 "resume.");
  ASSERT_ADVICE (UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_BUSY, NULL, UB_ADVICE_RESUME,
                 "Close other programs that use the phone (an adb server, another flashing tool), "
                 "then resume.");
  ASSERT_ADVICE (UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_PROTOCOL, NULL, UB_ADVICE_RESUME,
                 "Unplug the phone, connect it again, then resume.");
  ASSERT_ADVICE (UB_ROM_ERROR, UB_ROM_ERROR_MISMATCH, NULL, UB_ADVICE_RESUME,
                 "Connect the phone you checked, or check this phone again.");
  /* a stopped job describes the phone itself */
  ASSERT_ADVICE (G_IO_ERROR, G_IO_ERROR_CANCELLED, NULL, UB_ADVICE_RESUME, NULL);
  ASSERT_ADVICE (UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_INVALID_ARGUMENT, NULL, UB_ADVICE_RESUME, NULL);
}

/* a download's errors: the same next step as a command or within a longer task */
static void
test_online (void)
{
  static const struct {
    UbOnlineError code;
    const char   *expected;
  } cases[] = {
    { UB_ONLINE_ERROR_NETWORK, "Check that the computer is connected to the internet, then start "
                               "the download again: it continues where it stopped." },
    { UB_ONLINE_ERROR_BAD_URL, "Copy the download link of the fastboot ROM again from its download "
                               "page (it starts with https:// and ends with the file name, e.g. "
                               ".tgz) and paste it whole." },
    { UB_ONLINE_ERROR_CHECKSUM, "Check the MD5 against the download page if you typed one, then "
                                "start the download again." },
    { UB_ONLINE_ERROR_NO_SPACE, "Free some disk space (a ROM needs several gigabytes, twice that "
                                "to unpack it) or pick another download folder, then start the "
                                "download again." },
    /* a file that could not be written or renamed: its message says it all */
    { UB_ONLINE_ERROR_FAILED, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      ASSERT_ADVICE (UB_ONLINE_ERROR, cases[i].code, NULL, UB_ADVICE_COMMAND, cases[i].expected);
      ASSERT_ADVICE (UB_ONLINE_ERROR, cases[i].code, "tcp:10.0.0.2:5554", UB_ADVICE_RESUME,
                     cases[i].expected);
    }
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
  return g_test_run ();
}
