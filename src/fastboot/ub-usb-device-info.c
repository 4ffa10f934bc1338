/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "ub-enum-nick.h"
#include "ub-usb-device-info.h"

struct _UbUsbDeviceInfo
{
  GObject parent_instance;

  UbUsbDeviceKind kind;
  char *path;
  char *serial;
  guint vendor_id;
  guint product_id;
  char *interface_name;
  UbUsbAccessProblem problem;
};

G_DEFINE_FINAL_TYPE (UbUsbDeviceInfo, ub_usb_device_info, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_KIND,
  PROP_PATH,
  PROP_SERIAL,
  PROP_VENDOR_ID,
  PROP_PRODUCT_ID,
  PROP_INTERFACE_NAME,
  PROP_PROBLEM,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
ub_usb_device_info_finalize (GObject *object)
{
  UbUsbDeviceInfo *self = UB_USB_DEVICE_INFO (object);

  g_free (self->path);
  g_free (self->serial);
  g_free (self->interface_name);
  G_OBJECT_CLASS (ub_usb_device_info_parent_class)->finalize (object);
}

static void
ub_usb_device_info_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  UbUsbDeviceInfo *self = UB_USB_DEVICE_INFO (object);

  switch (prop_id)
    {
    case PROP_KIND:
      g_value_set_enum (value, self->kind);
      break;
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;
    case PROP_SERIAL:
      g_value_set_string (value, self->serial);
      break;
    case PROP_VENDOR_ID:
      g_value_set_uint (value, self->vendor_id);
      break;
    case PROP_PRODUCT_ID:
      g_value_set_uint (value, self->product_id);
      break;
    case PROP_INTERFACE_NAME:
      g_value_set_string (value, self->interface_name);
      break;
    case PROP_PROBLEM:
      g_value_set_enum (value, self->problem);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ub_usb_device_info_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  UbUsbDeviceInfo *self = UB_USB_DEVICE_INFO (object);

  switch (prop_id)
    {
    case PROP_KIND:
      self->kind = g_value_get_enum (value);
      break;
    case PROP_PATH:
      self->path = g_value_dup_string (value);
      break;
    case PROP_SERIAL:
      self->serial = g_value_dup_string (value);
      break;
    case PROP_VENDOR_ID:
      self->vendor_id = g_value_get_uint (value);
      break;
    case PROP_PRODUCT_ID:
      self->product_id = g_value_get_uint (value);
      break;
    case PROP_INTERFACE_NAME:
      self->interface_name = g_value_dup_string (value);
      break;
    case PROP_PROBLEM:
      self->problem = g_value_get_enum (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ub_usb_device_info_class_init (UbUsbDeviceInfoClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = ub_usb_device_info_finalize;
  object_class->get_property = ub_usb_device_info_get_property;
  object_class->set_property = ub_usb_device_info_set_property;

  properties[PROP_KIND] =
    g_param_spec_enum ("kind", NULL, NULL, UB_TYPE_USB_DEVICE_KIND,
                       UB_USB_DEVICE_KIND_FASTBOOT, flags);
  properties[PROP_PATH] = g_param_spec_string ("path", NULL, NULL, NULL, flags);
  properties[PROP_SERIAL] = g_param_spec_string ("serial", NULL, NULL, NULL, flags);
  properties[PROP_VENDOR_ID] =
    g_param_spec_uint ("vendor-id", NULL, NULL, 0, G_MAXUINT16, 0, flags);
  properties[PROP_PRODUCT_ID] =
    g_param_spec_uint ("product-id", NULL, NULL, 0, G_MAXUINT16, 0, flags);
  properties[PROP_INTERFACE_NAME] =
    g_param_spec_string ("interface-name", NULL, NULL, NULL, flags);
  properties[PROP_PROBLEM] =
    g_param_spec_enum ("problem", NULL, NULL, UB_TYPE_USB_ACCESS_PROBLEM,
                       UB_USB_ACCESS_OK, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ub_usb_device_info_init (UbUsbDeviceInfo *self)
{
}

UbUsbDeviceInfo *
ub_usb_device_info_new (UbUsbDeviceKind     kind,
                        const char         *path,
                        const char         *serial,
                        guint16             vendor_id,
                        guint16             product_id,
                        const char         *interface_name,
                        UbUsbAccessProblem  problem)
{
  g_return_val_if_fail (path != NULL, NULL);

  return g_object_new (UB_TYPE_USB_DEVICE_INFO,
                       "kind", kind,
                       "path", path,
                       "serial", serial,
                       "vendor-id", (guint) vendor_id,
                       "product-id", (guint) product_id,
                       "interface-name", interface_name,
                       "problem", problem,
                       NULL);
}

UbUsbDeviceKind
ub_usb_device_info_get_kind (UbUsbDeviceInfo *self)
{
  g_return_val_if_fail (UB_IS_USB_DEVICE_INFO (self), UB_USB_DEVICE_KIND_FASTBOOT);
  return self->kind;
}

const char *
ub_usb_device_info_get_path (UbUsbDeviceInfo *self)
{
  g_return_val_if_fail (UB_IS_USB_DEVICE_INFO (self), NULL);
  return self->path;
}

const char *
ub_usb_device_info_get_serial (UbUsbDeviceInfo *self)
{
  g_return_val_if_fail (UB_IS_USB_DEVICE_INFO (self), NULL);
  return self->serial;
}

guint16
ub_usb_device_info_get_vendor_id (UbUsbDeviceInfo *self)
{
  g_return_val_if_fail (UB_IS_USB_DEVICE_INFO (self), 0);
  return self->vendor_id;
}

guint16
ub_usb_device_info_get_product_id (UbUsbDeviceInfo *self)
{
  g_return_val_if_fail (UB_IS_USB_DEVICE_INFO (self), 0);
  return self->product_id;
}

const char *
ub_usb_device_info_get_interface_name (UbUsbDeviceInfo *self)
{
  g_return_val_if_fail (UB_IS_USB_DEVICE_INFO (self), NULL);
  return self->interface_name;
}

UbUsbAccessProblem
ub_usb_device_info_get_problem (UbUsbDeviceInfo *self)
{
  g_return_val_if_fail (UB_IS_USB_DEVICE_INFO (self), UB_USB_ACCESS_OK);
  return self->problem;
}

gboolean
ub_usb_device_info_equal (UbUsbDeviceInfo *a,
                          UbUsbDeviceInfo *b)
{
  g_return_val_if_fail (UB_IS_USB_DEVICE_INFO (a), FALSE);
  g_return_val_if_fail (UB_IS_USB_DEVICE_INFO (b), FALSE);

  return a->kind == b->kind &&
         g_strcmp0 (a->path, b->path) == 0 &&
         g_strcmp0 (a->serial, b->serial) == 0 &&
         a->vendor_id == b->vendor_id &&
         a->product_id == b->product_id &&
         g_strcmp0 (a->interface_name, b->interface_name) == 0 &&
         a->problem == b->problem;
}

const char *
ub_usb_device_kind_to_string (UbUsbDeviceKind kind)
{
  const char *nick = ub_enum_nick (UB_TYPE_USB_DEVICE_KIND, kind);

  return nick != NULL ? nick : "unknown";
}
