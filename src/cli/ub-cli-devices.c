/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "ub-cli-devices.h"
#include "ub-cli-json.h"
#include "ub-device-names.h"
#include "ub-enum-nick.h"
#include "ub-phone-info.h"
#include "ub-usb-device-info.h"
#include "ub-usb-transport.h"

static char *
describe (UbUsbDeviceInfo *info)
{
  switch (ub_usb_device_info_get_problem (info))
    {
    case UB_USB_ACCESS_PERMISSION:
      return g_strdup (_("no permission: install Unbrick's udev rule, then reconnect the phone"));
    case UB_USB_ACCESS_BUSY:
      return g_strdup (_("busy: another program is using the phone"));
    case UB_USB_ACCESS_OK:
    default:
      break;
    }
  switch (ub_usb_device_info_get_kind (info))
    {
    case UB_USB_DEVICE_KIND_ADB:
      return g_strdup (_("Android is running: restart the phone into fastboot mode "
                         "(power off, then hold Volume Down and Power)"));
    case UB_USB_DEVICE_KIND_EDL:
      return g_strdup (_("Qualcomm emergency download mode (EDL): needs an authorised service tool"));
    case UB_USB_DEVICE_KIND_BROM:
      return g_strdup (_("MediaTek boot ROM mode: needs an authorised service tool"));
    case UB_USB_DEVICE_KIND_FASTBOOT:
    default:
      return g_strdup ("fastboot");
    }
}

/* The codename of a phone in fastboot mode that can be opened (getvar product), or NULL. */
static char *
probe_product (UbUsbDeviceInfo *info)
{
  g_autoptr(UbPhoneInfo) phone = NULL;

  if (ub_usb_device_info_get_kind (info) != UB_USB_DEVICE_KIND_FASTBOOT ||
      ub_usb_device_info_get_problem (info) != UB_USB_ACCESS_OK)
    return NULL;
  phone = ub_phone_info_probe (ub_usb_device_info_get_path (info), NULL, NULL);
  if (phone == NULL || ub_phone_info_get_product (phone) == NULL)
    return NULL;
  return g_strdup (ub_phone_info_get_product (phone));
}

gboolean
ub_cli_devices_print (gboolean  json,
                      GError  **error)
{
  g_autoptr(GPtrArray) devices = ub_usb_transport_list_devices (error);

  if (devices == NULL)
    return FALSE;

  if (json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_array (builder);
      for (guint i = 0; i < devices->len; i++)
        {
          UbUsbDeviceInfo *info = g_ptr_array_index (devices, i);
          g_autofree char *vid = g_strdup_printf ("%04x", ub_usb_device_info_get_vendor_id (info));
          g_autofree char *pid = g_strdup_printf ("%04x", ub_usb_device_info_get_product_id (info));
          g_autofree char *product = probe_product (info);

          json_builder_begin_object (builder);
          ub_cli_json_add_string (builder, "serial", ub_usb_device_info_get_serial (info));
          ub_cli_json_add_string (builder, "path", ub_usb_device_info_get_path (info));
          ub_cli_json_add_string (builder, "mode",
                                  ub_enum_nick (UB_TYPE_USB_DEVICE_KIND,
                                                ub_usb_device_info_get_kind (info)));
          ub_cli_json_add_string (builder, "vendor_id", vid);
          ub_cli_json_add_string (builder, "product_id", pid);
          ub_cli_json_add_string (builder, "product", product);
          ub_cli_json_add_string (builder, "model", ub_device_names_lookup (product));
          ub_cli_json_add_string (builder, "access",
                                  ub_enum_nick (UB_TYPE_USB_ACCESS_PROBLEM,
                                                ub_usb_device_info_get_problem (info)));
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
      ub_cli_json_print (builder, TRUE);
      return TRUE;
    }

  if (devices->len == 0)
    g_printerr (_("No phone found. Put the phone in fastboot mode (power off, then hold "
                  "Volume Down and Power) and connect it with a USB cable.\n"));
  for (guint i = 0; i < devices->len; i++)
    {
      UbUsbDeviceInfo *info = g_ptr_array_index (devices, i);
      const char *serial = ub_usb_device_info_get_serial (info);
      g_autofree char *state = describe (info);
      g_autofree char *product = probe_product (info);
      g_autofree char *name = ub_device_names_dup_display (product);

      /* a fourth column with the phone's name when it could be asked */
      g_print ("%s\t%s\t%s%s%s\n", serial ? serial : "????????????",
               ub_usb_device_info_get_path (info), state,
               name != NULL ? "\t" : "", name != NULL ? name : "");
    }
  return TRUE;
}
