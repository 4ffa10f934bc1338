/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ub-usb-client: a tiny fastboot-over-USB client built only on
 * UbUsbTransport (no umockdev code), standing in for the product CLI when
 * testing ub-usb-harness.
 *
 *   ub-usb-client [-s SERIAL|PATH] list
 *   ub-usb-client [-s SERIAL|PATH] getvar NAME
 *   ub-usb-client [-s SERIAL|PATH] download MIB SEED   (prints the SHA-256 sent)
 *   ub-usb-client [-s SERIAL|PATH] reboot-bootloader   (waits for the phone to return)
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ub-fastboot-error.h"
#include "ub-pattern-stream.h"
#include "ub-usb-transport.h"

static char *opt_serial;

static gboolean
run_command (UbTransport *t,
             const char  *cmd,
             char       **value,
             GError     **error)
{
  if (!ub_transport_write (t, (const guint8 *) cmd, strlen (cmd), 5000, NULL, error))
    return FALSE;
  for (;;)
    {
      char buf[UB_TRANSPORT_MAX_PACKET + 1];
      gssize n = ub_transport_read (t, (guint8 *) buf, UB_TRANSPORT_MAX_PACKET, 30000, NULL, error);

      if (n < 0)
        return FALSE;
      buf[n] = '\0';
      if (n >= 4 && (memcmp (buf, "INFO", 4) == 0 || memcmp (buf, "TEXT", 4) == 0))
        continue;
      if (n >= 4 && (memcmp (buf, "OKAY", 4) == 0 || memcmp (buf, "DATA", 4) == 0))
        {
          if (value != NULL)
            *value = g_strdup (buf + 4);
          return TRUE;
        }
      g_set_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_REMOTE, "%s",
                   n >= 4 && memcmp (buf, "FAIL", 4) == 0 ? buf + 4 : buf);
      return FALSE;
    }
}

static gboolean
do_list (GError **error)
{
  g_autoptr(GPtrArray) list = ub_usb_transport_list_devices (error);

  if (list == NULL)
    return FALSE;
  for (guint i = 0; i < list->len; i++)
    {
      UbUsbDeviceInfo *info = g_ptr_array_index (list, i);

      g_print ("%s\t%s\t%s\t%04x:%04x\n",
               ub_usb_device_kind_to_string (ub_usb_device_info_get_kind (info)),
               ub_usb_device_info_get_serial (info) ? ub_usb_device_info_get_serial (info) : "?",
               ub_usb_device_info_get_path (info),
               ub_usb_device_info_get_vendor_id (info),
               ub_usb_device_info_get_product_id (info));
    }
  return TRUE;
}

static gboolean
do_download (UbTransport *t,
             guint64      size,
             guint64      seed,
             GError     **error)
{
  g_autoptr(GInputStream) stream = ub_pattern_stream_new (size, seed);
  g_autofree char *cmd = g_strdup_printf ("download:%08" G_GINT64_MODIFIER "x", size);
  g_autofree char *data = NULL;
  g_autofree char *sha = NULL;
  gint64 start;
  double seconds;

  if (!run_command (t, cmd, &data, error))
    return FALSE;
  start = g_get_monotonic_time ();
  if (!ub_transport_write_stream (t, stream, size, 10000, NULL, NULL, NULL, error))
    return FALSE;
  if (!run_command (t, "getvar:serialno", NULL, error))   /* reads the OKAY first */
    return FALSE;
  seconds = (g_get_monotonic_time () - start) / 1e6;
  sha = ub_pattern_sha256 (size, seed);
  g_print ("%s\n", sha);
  g_printerr ("sent %" G_GUINT64_FORMAT " bytes in %.2f s (%.0f MB/s)\n", size, seconds,
              size / seconds / 1e6);
  return TRUE;
}

int
main (int   argc,
      char *argv[])
{
  static GOptionEntry entries[] = {
    { "serial", 's', 0, G_OPTION_ARG_STRING, &opt_serial, "Serial number or usb: path", "S" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("COMMAND [ARGS…]");
  g_autoptr(GError) error = NULL;
  g_autoptr(UbTransport) t = NULL;
  gboolean ok = FALSE;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc < 2)
    {
      g_printerr ("usage: ub-usb-client [-s SERIAL] list|getvar NAME|download MIB SEED|reboot-bootloader\n");
      return 2;
    }

  if (g_str_equal (argv[1], "list"))
    ok = do_list (&error);
  else if ((t = ub_usb_transport_open (opt_serial, &error)) == NULL)
    ok = FALSE;
  else if (g_str_equal (argv[1], "getvar") && argc == 3)
    {
      g_autofree char *cmd = g_strconcat ("getvar:", argv[2], NULL);
      g_autofree char *value = NULL;

      ok = run_command (t, cmd, &value, &error);
      if (ok)
        g_print ("%s\n", value);
    }
  else if (g_str_equal (argv[1], "download") && argc == 4)
    ok = do_download (t, g_ascii_strtoull (argv[2], NULL, 10) * 1024 * 1024,
                      g_ascii_strtoull (argv[3], NULL, 10), &error);
  else if (g_str_equal (argv[1], "reboot-bootloader"))
    {
      g_autofree char *serial = g_strdup (ub_usb_transport_get_serial (UB_USB_TRANSPORT (t)));
      g_autofree char *value = NULL;

      ok = run_command (t, "reboot-bootloader", NULL, &error) &&
           ub_usb_transport_wait_for_disconnect (UB_USB_TRANSPORT (t), 3000);
      g_clear_object (&t);
      if (ok)
        t = ub_usb_transport_wait_open (serial, 10000, NULL, &error);
      ok = ok && t != NULL && run_command (t, "getvar:serialno", &value, &error);
      if (ok)
        g_print ("back: %s\n", value);
    }
  else
    {
      g_printerr ("ub-usb-client: unknown command %s\n", argv[1]);
      return 2;
    }

  if (!ok)
    {
      if (error != NULL)
        g_printerr ("ub-usb-client: %s\n", error->message);
      return 1;
    }
  return 0;
}
