/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * USB device discovery and classification, apart from the transport's I/O:
 * finds the fastboot interface ff/42/03 (never by vendor) with its bulk
 * endpoints, classifies adb (ff/42/01), Qualcomm EDL and MediaTek BROM for
 * diagnosis, reads the serial and interface name from sysfs (the string
 * descriptor only as a fallback), and tells permission and busy problems
 * apart without claiming anything.
 */
#include "config.h"

#include <libusb.h>
#include <string.h>

#include "ub-usb-private.h"

#define FASTBOOT_CLASS    0xff
#define FASTBOOT_SUBCLASS 0x42
#define FASTBOOT_PROTOCOL 0x03
#define ADB_PROTOCOL      0x01

/* Paths ("usb:1-4") of devices opened by this process, so listing does not
 * report our own open phones as busy. */
static GMutex open_paths_lock;
static GHashTable *open_paths;

void
ub_usb_open_paths_add (const char *path)
{
  g_mutex_lock (&open_paths_lock);
  if (open_paths == NULL)
    open_paths = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_hash_table_insert (open_paths, g_strdup (path),
                       GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (open_paths, path)) + 1));
  g_mutex_unlock (&open_paths_lock);
}

void
ub_usb_open_paths_remove (const char *path)
{
  guint n;

  g_mutex_lock (&open_paths_lock);
  n = open_paths ? GPOINTER_TO_UINT (g_hash_table_lookup (open_paths, path)) : 0;
  if (n > 1)
    g_hash_table_insert (open_paths, g_strdup (path), GUINT_TO_POINTER (n - 1));
  else if (n == 1)
    g_hash_table_remove (open_paths, path);
  g_mutex_unlock (&open_paths_lock);
}

gboolean
ub_usb_open_paths_contains (const char *path)
{
  gboolean ret;

  g_mutex_lock (&open_paths_lock);
  ret = open_paths != NULL && g_hash_table_contains (open_paths, path);
  g_mutex_unlock (&open_paths_lock);
  return ret;
}

void
ub_usb_probe_clear (UbUsbProbe *p)
{
  g_clear_pointer (&p->name, g_free);
  g_clear_pointer (&p->path, g_free);
  g_clear_pointer (&p->serial, g_free);
  g_clear_pointer (&p->interface_name, g_free);
}

static char *
read_sysfs_attr (const char *name,
                 const char *attr)
{
  g_autofree char *file = g_build_filename ("/sys/bus/usb/devices", name, attr, NULL);
  g_autofree char *contents = NULL;

  if (!g_file_get_contents (file, &contents, NULL, NULL))
    return NULL;
  g_strstrip (contents);
  if (*contents == '\0')
    return NULL;
  return g_steal_pointer (&contents);
}

/* Finds a bulk IN + bulk OUT pair in @alt (the last of each, like AOSP). */
static gboolean
find_bulk_endpoints (const struct libusb_interface_descriptor *alt,
                     UbUsbProbe                                    *p)
{
  gboolean have_in = FALSE, have_out = FALSE;

  for (int e = 0; e < alt->bNumEndpoints; e++)
    {
      const struct libusb_endpoint_descriptor *ep = &alt->endpoint[e];

      if ((ep->bmAttributes & 0x03) != LIBUSB_TRANSFER_TYPE_BULK)
        continue;
      if (ep->bEndpointAddress & LIBUSB_ENDPOINT_IN)
        {
          p->ep_in = ep->bEndpointAddress;
          p->max_packet_in = ep->wMaxPacketSize & 0x7ff;
          have_in = TRUE;
        }
      else
        {
          p->ep_out = ep->bEndpointAddress;
          p->max_packet_out = ep->wMaxPacketSize & 0x7ff;
          have_out = TRUE;
        }
    }
  return have_in && have_out;
}

/* Fills @p for devices we care about; FALSE for everything else. */
gboolean
ub_usb_probe_device (libusb_device *dev,
              UbUsbProbe         *p)
{
  struct libusb_device_descriptor dd;
  struct libusb_config_descriptor *config = NULL;
  guint8 ports[8];
  int n_ports;
  gboolean found = FALSE;
  GString *name;

  memset (p, 0, sizeof *p);
  p->interface_number = -1;
  if (libusb_get_device_descriptor (dev, &dd) != 0)
    return FALSE;
  p->vendor_id = dd.idVendor;
  p->product_id = dd.idProduct;
  p->iserial = dd.iSerialNumber;

  if (libusb_get_active_config_descriptor (dev, &config) != 0 &&
      libusb_get_config_descriptor (dev, 0, &config) != 0)
    config = NULL;

  if (config != NULL)
    {
      p->config_value = config->bConfigurationValue;
      for (int i = 0; i < config->bNumInterfaces && !found; i++)
        {
          const struct libusb_interface *iface = &config->interface[i];

          for (int a = 0; a < iface->num_altsetting && !found; a++)
            {
              const struct libusb_interface_descriptor *alt = &iface->altsetting[a];

              if (alt->bInterfaceClass != FASTBOOT_CLASS ||
                  alt->bInterfaceSubClass != FASTBOOT_SUBCLASS)
                continue;
              if (alt->bInterfaceProtocol == FASTBOOT_PROTOCOL && find_bulk_endpoints (alt, p))
                {
                  p->kind = UB_USB_DEVICE_KIND_FASTBOOT;
                  p->interface_number = alt->bInterfaceNumber;
                  found = TRUE;
                }
            }
        }
      /* adb only when there is no fastboot interface */
      for (int i = 0; i < config->bNumInterfaces && !found; i++)
        {
          const struct libusb_interface *iface = &config->interface[i];

          for (int a = 0; a < iface->num_altsetting && !found; a++)
            {
              const struct libusb_interface_descriptor *alt = &iface->altsetting[a];

              if (alt->bInterfaceClass == FASTBOOT_CLASS &&
                  alt->bInterfaceSubClass == FASTBOOT_SUBCLASS &&
                  alt->bInterfaceProtocol == ADB_PROTOCOL)
                {
                  /* the endpoints too: ub_usb_transport_open_adb() uses them */
                  find_bulk_endpoints (alt, p);
                  p->kind = UB_USB_DEVICE_KIND_ADB;
                  p->interface_number = alt->bInterfaceNumber;
                  found = TRUE;
                }
            }
        }
      libusb_free_config_descriptor (config);
    }
  if (!found && dd.idVendor == 0x05c6 && dd.idProduct == 0x9008)
    {
      p->kind = UB_USB_DEVICE_KIND_EDL;
      found = TRUE;
    }
  if (!found && dd.idVendor == 0x0e8d && dd.idProduct == 0x0003)
    {
      p->kind = UB_USB_DEVICE_KIND_BROM;
      found = TRUE;
    }
  if (!found)
    return FALSE;

  name = g_string_new (NULL);
  g_string_append_printf (name, "%u", libusb_get_bus_number (dev));
  n_ports = libusb_get_port_numbers (dev, ports, G_N_ELEMENTS (ports));
  for (int i = 0; i < n_ports; i++)
    g_string_append_printf (name, "%c%u", i == 0 ? '-' : '.', ports[i]);
  if (n_ports <= 0)
    g_string_append_printf (name, "-0.%u", libusb_get_device_address (dev));
  p->name = g_string_free (name, FALSE);
  p->path = g_strconcat ("usb:", p->name, NULL);

  /* Like AOSP: the serial from sysfs does not disturb a busy device. */
  p->serial = read_sysfs_attr (p->name, "serial");
  if (p->interface_number >= 0)
    {
      g_autofree char *iface_dir = g_strdup_printf ("%s:%u.%d", p->name, p->config_value,
                                                    p->interface_number);
      g_autofree char *attr = g_build_filename (iface_dir, "interface", NULL);

      p->interface_name = read_sysfs_attr (p->name, attr);
    }
  return TRUE;
}

/* String-descriptor fallback for the serial, on an open handle. */
void
ub_usb_probe_read_serial (UbUsbProbe           *p,
                          libusb_device_handle *handle)
{
  unsigned char buf[256];
  int r;

  if (p->serial != NULL || p->iserial == 0)
    return;
  r = libusb_get_string_descriptor_ascii (handle, p->iserial, buf, sizeof buf - 1);
  if (r > 0)
    {
      buf[r] = '\0';
      p->serial = g_strstrip (g_strdup ((const char *) buf));
      if (*p->serial == '\0')
        g_clear_pointer (&p->serial, g_free);
    }
}

/* TRUE if a driver is bound to the interface: "usbfs" while another
 * program has claimed it, or a kernel driver. Read from sysfs, so listing
 * never disturbs (or steals) a device someone else is using. */
static gboolean
probe_interface_bound (const UbUsbProbe *p)
{
  g_autofree char *iface_dir = NULL;
  g_autofree char *link = NULL;

  if (p->interface_number < 0)
    return FALSE;
  iface_dir = g_strdup_printf ("%s:%u.%d", p->name, p->config_value, p->interface_number);
  link = g_build_filename ("/sys/bus/usb/devices", p->name, iface_dir, "driver", NULL);
  return g_file_test (link, G_FILE_TEST_IS_SYMLINK);
}

static UbUsbAccessProblem
probe_access (libusb_device *dev,
              UbUsbProbe         *p,
              gboolean      *vanished)
{
  libusb_device_handle *handle = NULL;
  int r;

  *vanished = FALSE;
  if (p->kind == UB_USB_DEVICE_KIND_FASTBOOT && ub_usb_open_paths_contains (p->path))
    return UB_USB_ACCESS_OK;

  /* Opening the node is harmless (no claim, nothing on the bus). */
  r = libusb_open (dev, &handle);
  if (r == LIBUSB_ERROR_ACCESS)
    return UB_USB_ACCESS_PERMISSION;
  if (r == LIBUSB_ERROR_NO_DEVICE)
    {
      *vanished = TRUE;
      return UB_USB_ACCESS_OK;
    }
  if (handle != NULL)
    {
      if (p->kind == UB_USB_DEVICE_KIND_FASTBOOT)
        ub_usb_probe_read_serial (p, handle);
      libusb_close (handle);
    }
  /* Ours are registered before they claim: seeing the claim first and the
   * registration second means the claim is not ours. */
  if (probe_interface_bound (p) &&
      !(p->kind == UB_USB_DEVICE_KIND_FASTBOOT && ub_usb_open_paths_contains (p->path)))
    return UB_USB_ACCESS_BUSY;
  return UB_USB_ACCESS_OK;
}

UbUsbDeviceInfo *
ub_usb_classify_device (libusb_device *dev)
{
  UbUsbDeviceInfo *info = NULL;
  UbUsbAccessProblem problem;
  gboolean vanished;
  UbUsbProbe p;

  if (!ub_usb_probe_device (dev, &p))
    return NULL;
  problem = probe_access (dev, &p, &vanished);
  if (!vanished)
    info = ub_usb_device_info_new (p.kind, p.path, p.serial, p.vendor_id, p.product_id,
                                   p.interface_name, problem);
  ub_usb_probe_clear (&p);
  return info;
}
