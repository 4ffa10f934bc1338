/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The one place that turns an engine error into "what to do next". */
#include "config.h"

#include <gio/gio.h>
#include <glib/gi18n.h>

#include "ub-adb-error.h"
#include "ub-advice.h"
#include "ub-fastboot-error.h"
#include "ub-online-error.h"
#include "ub-rom-error.h"

/* a download: the same whether it is a command or part of a longer task */
static char *
online_advice (const GError *error)
{
  switch ((UbOnlineError) error->code)
    {
    case UB_ONLINE_ERROR_NETWORK:
      return g_strdup (_("Check that the computer is connected to the internet, then start the "
                         "download again: it continues where it stopped."));
    case UB_ONLINE_ERROR_BAD_URL:
      return g_strdup (_("Copy the download link of the fastboot ROM again from its download page "
                         "(it starts with https:// and ends with the file name, e.g. .tgz) and "
                         "paste it whole."));
    case UB_ONLINE_ERROR_CHECKSUM:
      return g_strdup (_("Check the MD5 against the download page if you typed one, then start the "
                         "download again."));
    case UB_ONLINE_ERROR_NO_SPACE:
      return g_strdup (_("Free some disk space (a ROM needs several gigabytes, twice that to unpack "
                         "it) or pick another download folder, then start the download again."));
    case UB_ONLINE_ERROR_BAD_DATA:
      return g_strdup (_("The firmware list could not be read. Try again later; meanwhile download "
                         "the ROM yourself and use Select File."));
    case UB_ONLINE_ERROR_REFUSED:
      return g_strdup (_("Xiaomi did not approve this package for this phone. Choose one of the "
                         "ROMs Xiaomi offers for it (unbrick-cli recovery roms lists them), made "
                         "for the phone's region, and install that one."));
    case UB_ONLINE_ERROR_FAILED:
    default:
      return NULL;
    }
}

#define ENTER_RECOVERY_ADVICE \
  N_("Switch the phone off, then hold Volume Up and Power until the Mi logo appears and let go. " \
     "In the recovery menu choose “Connect with MIAssistant” (on some phones first " \
     "“Mi Assistant”), then connect the cable again. (For fastboot mode instead: Volume Down " \
     "and Power.)")

#define PERMISSION_ADVICE \
  N_("Install Unbrick's udev rule so your user may use the phone, then unplug and reconnect it.")
#define BUSY_ADVICE \
  N_("Close other programs that use the phone (an adb server, Android Studio, another flashing " \
     "tool), then try again.")

#define INSTALL_INTERRUPTED_ADVICE \
  N_("The install was interrupted. The phone stays in recovery: keep it there (or enter " \
     "Connect with MIAssistant again), reconnect the cable and install again — the package " \
     "is kept.")

#define WIPE_INTERRUPTED_ADVICE \
  N_("The factory reset may not have finished. Keep the phone in recovery (or enter Connect " \
     "with MIAssistant again), reconnect the cable and erase all data again.")

/* a phone in Mi Assistant recovery (@context: RECOVERY, SIDELOAD while the
 * package was being sent, WIPE after format-data: was sent) */
static char *
recovery_advice (const GError    *error,
                 gboolean         network,
                 const char      *address,
                 UbAdviceContext  context)
{
  gboolean sideload = context == UB_ADVICE_SIDELOAD;

  /* the link went away while /data was being formatted */
  if (context == UB_ADVICE_WIPE &&
      (error->domain == UB_FASTBOOT_ERROR ||
       g_error_matches (error, UB_ADB_ERROR, UB_ADB_ERROR_CLOSED) ||
       g_error_matches (error, UB_ADB_ERROR, UB_ADB_ERROR_TIMEOUT)) &&
      !g_error_matches (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_PERMISSION) &&
      !g_error_matches (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_BUSY))
    return g_strdup (_(WIPE_INTERRUPTED_ADVICE));
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return sideload ? g_strdup (_(INSTALL_INTERRUPTED_ADVICE))
                    : NULL;
  if (g_error_matches (error, UB_ROM_ERROR, UB_ROM_ERROR_MISMATCH))
    return g_strdup (_("Connect the phone the approval was asked for, or ask for the approval "
                       "again with this phone connected."));
  if (error->domain == UB_ADB_ERROR)
    switch ((UbAdbError) error->code)
      {
      case UB_ADB_ERROR_AUTH_REQUIRED:
      case UB_ADB_ERROR_NOT_MI_ASSISTANT:
        return g_strdup (_(ENTER_RECOVERY_ADVICE));
      case UB_ADB_ERROR_INSTALL_FAILED:
        return g_strdup (_("The phone refused the package. Try another ROM "
                           "Xiaomi offers for this phone, or erase all data (factory reset) and "
                           "install again."));
      case UB_ADB_ERROR_TIMEOUT:
        if (sideload)
          return g_strdup (_("The phone stopped asking for data. It may still be working: watch its "
                             "screen and wait. If nothing changes for 10 minutes, unplug the cable, "
                             "enter Connect with MIAssistant again, reconnect and install again — "
                             "the package is kept."));
        return g_strdup (_("The phone did not answer. Check the cable, try another USB port (one on "
                           "the computer itself, not a hub), and make sure the phone still shows "
                           "Connect with MIAssistant."));
      case UB_ADB_ERROR_REFUSED:
        return g_strdup (_("The phone's recovery does not offer this. Restart it into recovery "
                           "(Volume Up and Power) and choose Connect with MIAssistant again."));
      case UB_ADB_ERROR_CLOSED:
      case UB_ADB_ERROR_PROTOCOL:
      case UB_ADB_ERROR_FAILED:
      default:
        if (sideload)
          return g_strdup (_(INSTALL_INTERRUPTED_ADVICE));
        return g_strdup (_("Unplug the phone, make sure it shows Connect with MIAssistant, connect "
                           "it again and retry."));
      }
  if (error->domain != UB_FASTBOOT_ERROR)
    return NULL;
  if (sideload && error->code != UB_FASTBOOT_ERROR_PERMISSION &&
      error->code != UB_FASTBOOT_ERROR_BUSY)
    return g_strdup (_(INSTALL_INTERRUPTED_ADVICE));
  if (network && (error->code == UB_FASTBOOT_ERROR_NO_DEVICE ||
                  error->code == UB_FASTBOOT_ERROR_TIMEOUT ||
                  error->code == UB_FASTBOOT_ERROR_NOT_FOUND))
    /* TRANSLATORS: %s: a network address, e.g. 127.0.0.1:5555 */
    return g_strdup_printf (_("Check that the device at %s is running and in Mi Assistant mode."),
                            address + 4);
  switch ((UbFastbootError) error->code)
    {
    case UB_FASTBOOT_ERROR_PERMISSION:
      return g_strdup (_(PERMISSION_ADVICE));
    case UB_FASTBOOT_ERROR_BUSY:
      return g_strdup (_(BUSY_ADVICE));
    case UB_FASTBOOT_ERROR_NOT_FOUND:
      return g_strdup (_(ENTER_RECOVERY_ADVICE));
    default:
      return g_strdup (_("Check the cable, try another USB port (a port on the computer itself, "
                         "not a hub), and make sure the phone still shows Connect with "
                         "MIAssistant."));
    }
}

static char *
command_advice (const GError *error,
                gboolean      network,
                const char   *address)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return g_strdup (_("Stopped. If the phone was receiving data, unplug it and connect it again "
                       "before you retry; it stays in fastboot mode."));
  if (error->domain != UB_FASTBOOT_ERROR)
    return NULL;
  if (network && (error->code == UB_FASTBOOT_ERROR_NO_DEVICE ||
                  error->code == UB_FASTBOOT_ERROR_TIMEOUT ||
                  error->code == UB_FASTBOOT_ERROR_NOT_FOUND))
    /* TRANSLATORS: %s: a network address, e.g. 192.168.1.5:5554 */
    return g_strdup_printf (_("Check that the device at %s is running and in fastboot mode."),
                            address + 4);
  switch ((UbFastbootError) error->code)
    {
    case UB_FASTBOOT_ERROR_PERMISSION:
      return g_strdup (_(PERMISSION_ADVICE));
    case UB_FASTBOOT_ERROR_BUSY:
      return g_strdup (_(BUSY_ADVICE));
    case UB_FASTBOOT_ERROR_NO_DEVICE:
    case UB_FASTBOOT_ERROR_TIMEOUT:
      return g_strdup (_("Check the cable, try another USB port (a port on the computer itself, "
                         "not a hub), and make sure the phone still shows FASTBOOT."));
    case UB_FASTBOOT_ERROR_NOT_FOUND:
      return g_strdup (_("Put the phone in fastboot mode (power off, then hold Volume Down and "
                         "Power) and connect it with a USB cable."));
    case UB_FASTBOOT_ERROR_PROTOCOL:
      return g_strdup (_("Unplug the phone, connect it again and retry."));
    default:
      return NULL;
    }
}

static char *
resume_advice (const GError *error,
               gboolean      network,
               const char   *address)
{
  /* a stopped job says itself what state the phone is in */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return NULL;
  if (g_error_matches (error, UB_ROM_ERROR, UB_ROM_ERROR_MISMATCH))
    return g_strdup (_("Connect the phone you checked, or check this phone again."));
  if (error->domain != UB_FASTBOOT_ERROR)
    return NULL;
  if (network && (error->code == UB_FASTBOOT_ERROR_NO_DEVICE ||
                  error->code == UB_FASTBOOT_ERROR_NOT_FOUND ||
                  error->code == UB_FASTBOOT_ERROR_TIMEOUT))
    /* TRANSLATORS: %s: a network address, e.g. 192.168.1.5:5554 */
    return g_strdup_printf (_("Check that the device at %s is running and in fastboot mode, "
                              "then resume."), address + 4);
  switch ((UbFastbootError) error->code)
    {
    case UB_FASTBOOT_ERROR_TIMEOUT:
      return g_strdup (_("No data moved for a while. Check the cable, try another USB port (one on "
                         "the computer itself, not a hub) or another cable, make sure the phone "
                         "still shows FASTBOOT, then resume."));
    case UB_FASTBOOT_ERROR_NO_DEVICE:
    case UB_FASTBOOT_ERROR_NOT_FOUND:
    case UB_FASTBOOT_ERROR_IO:
      return g_strdup (_("The phone was disconnected. Connect it again (if it left fastboot mode, "
                         "hold Volume Down and Power until FASTBOOT appears), then resume."));
    case UB_FASTBOOT_ERROR_PROTOCOL:
      return g_strdup (_("Unplug the phone, connect it again, then resume."));
    case UB_FASTBOOT_ERROR_PERMISSION:
      return g_strdup (_("Install Unbrick's udev rule so your user may use the phone, reconnect it, "
                         "then resume."));
    case UB_FASTBOOT_ERROR_BUSY:
      return g_strdup (_("Close other programs that use the phone (an adb server, another flashing "
                         "tool), then resume."));
    case UB_FASTBOOT_ERROR_DEFERRED:
    case UB_FASTBOOT_ERROR_REMOTE:
      return g_strdup (_("Resume to try this step again. If it fails again, the ROM may not suit "
                         "this phone; write down the message and ask for help."));
    default:
      return NULL;
    }
}

/**
 * ub_advice_for_error:
 * @error: what went wrong
 * @address: (nullable): the phone's address (`tcp:…` gets network advice)
 * @context: a single command, or a flash that can be resumed
 *
 * Returns: (transfer full) (nullable): one or two sentences saying what to do
 *   next, or %NULL when the error's message is all there is to say.
 */
char *
ub_advice_for_error (const GError    *error,
                     const char      *address,
                     UbAdviceContext  context)
{
  gboolean network = address != NULL && g_str_has_prefix (address, "tcp:");

  g_return_val_if_fail (error != NULL, NULL);

  if ((context == UB_ADVICE_RECOVERY || context == UB_ADVICE_SIDELOAD ||
       context == UB_ADVICE_WIPE) &&
      g_error_matches (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_CHECKSUM))
    return g_strdup (_("Download the package again (the file may be damaged or another one), or "
                       "ask Xiaomi to approve this file: install it by its own name again."));
  if (error->domain == UB_ONLINE_ERROR)
    return online_advice (error);
  if (context == UB_ADVICE_RECOVERY || context == UB_ADVICE_SIDELOAD ||
      context == UB_ADVICE_WIPE)
    return recovery_advice (error, network, address, context);
  /* adb errors outside recovery commands: how to reach Mi Assistant mode */
  if (error->domain == UB_ADB_ERROR)
    return recovery_advice (error, network, address, UB_ADVICE_RECOVERY);
  if (context == UB_ADVICE_RESUME)
    return resume_advice (error, network, address);
  return command_advice (error, network, address);
}
