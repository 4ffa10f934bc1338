/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "ub-adb-error.h"
#include "ub-device-names.h"
#include "ub-mi-assistant.h"
#include "ub-phone.h"

struct _UbPhone
{
  GObject          parent_instance;

  char            *address;
  UbUsbDeviceInfo *device;
  UbPhoneInfo     *info;
  gboolean         adb;              /* an adb device: probed as Mi Assistant */
  UbRecoveryInfo  *recovery_info;
  gboolean         adb_refused;      /* answered, but not in Mi Assistant mode */
  gboolean         probing;
  char            *problem;
  GCancellable    *probe_cancellable;
  UbPreflight     *preflight;
  UbFlashJob      *job;
  GString         *log;
};

G_DEFINE_FINAL_TYPE (UbPhone, ub_phone, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ADDRESS,
  PROP_DEVICE,
  PROP_INFO,
  PROP_RECOVERY_INFO,
  PROP_PROBING,
  PROP_PROBLEM,
  PROP_PREFLIGHT,
  PROP_JOB,
  N_PROPS
};
static GParamSpec *props[N_PROPS];

char *
ub_phone_dup_model_name (const char *codename)
{
  return ub_device_names_dup_display (codename);
}

const char *
ub_phone_lookup_model (const char *codename)
{
  return ub_device_names_lookup (codename);
}

static void
ub_phone_dispose (GObject *object)
{
  UbPhone *self = UB_PHONE (object);

  g_cancellable_cancel (self->probe_cancellable);
  g_clear_object (&self->probe_cancellable);
  g_clear_object (&self->device);
  g_clear_object (&self->info);
  g_clear_object (&self->recovery_info);
  g_clear_object (&self->preflight);
  g_clear_object (&self->job);
  G_OBJECT_CLASS (ub_phone_parent_class)->dispose (object);
}

static void
ub_phone_finalize (GObject *object)
{
  UbPhone *self = UB_PHONE (object);

  g_free (self->address);
  g_free (self->problem);
  g_string_free (self->log, TRUE);
  G_OBJECT_CLASS (ub_phone_parent_class)->finalize (object);
}

static void
ub_phone_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  UbPhone *self = UB_PHONE (object);

  switch (prop_id)
    {
    case PROP_ADDRESS: g_value_set_string (value, self->address); break;
    case PROP_DEVICE: g_value_set_object (value, self->device); break;
    case PROP_INFO: g_value_set_object (value, self->info); break;
    case PROP_RECOVERY_INFO: g_value_set_object (value, self->recovery_info); break;
    case PROP_PROBING: g_value_set_boolean (value, self->probing); break;
    case PROP_PROBLEM: g_value_set_string (value, self->problem); break;
    case PROP_PREFLIGHT: g_value_set_object (value, self->preflight); break;
    case PROP_JOB: g_value_set_object (value, self->job); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ub_phone_class_init (UbPhoneClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ub_phone_dispose;
  object_class->finalize = ub_phone_finalize;
  object_class->get_property = ub_phone_get_property;

  props[PROP_ADDRESS] = g_param_spec_string ("address", NULL, NULL, NULL,
                                             G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  props[PROP_DEVICE] = g_param_spec_object ("device", NULL, NULL, UB_TYPE_USB_DEVICE_INFO,
                                            G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  props[PROP_INFO] = g_param_spec_object ("info", NULL, NULL, UB_TYPE_PHONE_INFO,
                                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  props[PROP_RECOVERY_INFO] = g_param_spec_object ("recovery-info", NULL, NULL, UB_TYPE_RECOVERY_INFO,
                                                   G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  props[PROP_PROBING] = g_param_spec_boolean ("probing", NULL, NULL, FALSE,
                                              G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  props[PROP_PROBLEM] = g_param_spec_string ("problem", NULL, NULL, NULL,
                                             G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  props[PROP_PREFLIGHT] = g_param_spec_object ("preflight", NULL, NULL, UB_TYPE_PREFLIGHT,
                                               G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  props[PROP_JOB] = g_param_spec_object ("job", NULL, NULL, UB_TYPE_FLASH_JOB,
                                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);

}

static void
ub_phone_init (UbPhone *self)
{
  self->log = g_string_new (NULL);
}

UbPhone *
ub_phone_new_for_usb (UbUsbDeviceInfo *device)
{
  UbPhone *self = g_object_new (UB_TYPE_PHONE, NULL);

  self->device = g_object_ref (device);
  self->address = g_strdup (ub_usb_device_info_get_path (device));
  self->adb = ub_usb_device_info_get_kind (device) == UB_USB_DEVICE_KIND_ADB;
  return self;
}

UbPhone *
ub_phone_new_for_adb_address (const char *address)
{
  UbPhone *self = g_object_new (UB_TYPE_PHONE, NULL);

  self->address = g_strdup (address);
  self->adb = TRUE;
  return self;
}

UbPhone *
ub_phone_new_for_address (const char *address)
{
  UbPhone *self = g_object_new (UB_TYPE_PHONE, NULL);

  self->address = g_strdup (address);
  return self;
}

const char *
ub_phone_get_address (UbPhone *self)
{
  g_return_val_if_fail (UB_IS_PHONE (self), NULL);
  return self->address;
}

const char *
ub_phone_get_stable_address (UbPhone *self)
{
  const char *serial = NULL;

  g_return_val_if_fail (UB_IS_PHONE (self), NULL);
  if (self->device == NULL)
    return self->address;
  serial = ub_usb_device_info_get_serial (self->device);
  if (serial == NULL && self->info != NULL)
    serial = ub_phone_info_get_serial (self->info);
  return serial != NULL && *serial != '\0' ? serial : self->address;
}

UbUsbDeviceInfo *
ub_phone_get_device (UbPhone *self)
{
  g_return_val_if_fail (UB_IS_PHONE (self), NULL);
  return self->device;
}

void
ub_phone_set_device (UbPhone *self, UbUsbDeviceInfo *device)
{
  g_return_if_fail (UB_IS_PHONE (self));
  if (g_set_object (&self->device, device))
    {
      /* the same port, another mode (fastboot → Mi Assistant) */
      self->adb = ub_usb_device_info_get_kind (device) == UB_USB_DEVICE_KIND_ADB;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_DEVICE]);
    }
}

/* A fastboot or adb device this process may open (always, over the network). */
static gboolean
can_open (UbPhone *self)
{
  UbUsbDeviceKind kind;

  if (self->device == NULL)
    return TRUE;
  kind = ub_usb_device_info_get_kind (self->device);
  return (kind == UB_USB_DEVICE_KIND_FASTBOOT || kind == UB_USB_DEVICE_KIND_ADB) &&
         ub_usb_device_info_get_problem (self->device) == UB_USB_ACCESS_OK;
}

/* A fastboot phone that answered, or a phone in Mi Assistant mode. */
gboolean
ub_phone_get_usable (UbPhone *self)
{
  g_return_val_if_fail (UB_IS_PHONE (self), FALSE);
  if (!can_open (self))
    return FALSE;
  return self->adb ? self->recovery_info != NULL : self->info != NULL;
}

gboolean
ub_phone_get_is_adb (UbPhone *self)
{
  g_return_val_if_fail (UB_IS_PHONE (self), FALSE);
  return self->adb;
}

UbRecoveryInfo *
ub_phone_get_recovery_info (UbPhone *self)
{
  g_return_val_if_fail (UB_IS_PHONE (self), NULL);
  return self->adb ? self->recovery_info : NULL;
}

gboolean
ub_phone_get_locked (UbPhone *self)
{
  g_return_val_if_fail (UB_IS_PHONE (self), FALSE);
  return !self->adb && self->info != NULL &&
         ub_phone_info_get_unlocked (self->info) == UB_TRISTATE_NO;
}

const char *
ub_phone_get_serial (UbPhone *self)
{
  const char *serial = NULL;

  g_return_val_if_fail (UB_IS_PHONE (self), NULL);
  if (self->adb && self->recovery_info != NULL)
    serial = ub_recovery_info_get_serial (self->recovery_info);
  else if (!self->adb && self->info != NULL)
    serial = ub_phone_info_get_serial (self->info);
  if ((serial == NULL || *serial == '\0') && self->device != NULL)
    serial = ub_usb_device_info_get_serial (self->device);
  return serial != NULL && *serial != '\0' ? serial : NULL;
}

UbPhoneInfo *
ub_phone_get_info (UbPhone *self)
{
  g_return_val_if_fail (UB_IS_PHONE (self), NULL);
  return self->info;
}

gboolean
ub_phone_get_probing (UbPhone *self)
{
  g_return_val_if_fail (UB_IS_PHONE (self), FALSE);
  return self->probing;
}

static void
set_probing (UbPhone *self, gboolean probing)
{
  if (self->probing == probing)
    return;
  self->probing = probing;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_PROBING]);
}

static void
probe_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(UbPhone) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(UbPhoneInfo) info = ub_phone_info_probe_finish (result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_free (self->problem);
  self->problem = info == NULL ? g_strdup (error->message) : NULL;
  if (info == NULL)
    ub_phone_log (self, "%s: %s", self->address, error->message);
  g_set_object (&self->info, info);
  set_probing (self, FALSE);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_PROBLEM]);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_INFO]);
}

static void
recovery_probe_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(UbPhone) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(UbRecoveryInfo) info = ub_mi_assistant_probe_finish (result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_free (self->problem);
  self->problem = info == NULL ? g_strdup (error->message) : NULL;
  /* a started phone (AUTH) or adb without Mi Assistant: the row explains the keys */
  self->adb_refused = g_error_matches (error, UB_ADB_ERROR, UB_ADB_ERROR_AUTH_REQUIRED) ||
                      g_error_matches (error, UB_ADB_ERROR, UB_ADB_ERROR_NOT_MI_ASSISTANT);
  if (info == NULL)
    ub_phone_log (self, "%s: %s", self->address, error->message);
  g_set_object (&self->recovery_info, info);
  set_probing (self, FALSE);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_PROBLEM]);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_RECOVERY_INFO]);
}

void
ub_phone_probe (UbPhone *self)
{
  g_return_if_fail (UB_IS_PHONE (self));

  if (!can_open (self))
    return;
  g_cancellable_cancel (self->probe_cancellable);
  g_clear_object (&self->probe_cancellable);
  self->probe_cancellable = g_cancellable_new ();
  set_probing (self, TRUE);
  if (self->adb)
    {
      ub_mi_assistant_probe_async (self->address, self->probe_cancellable, recovery_probe_done,
                                   g_object_ref (self));
      return;
    }
  ub_phone_info_probe_async (self->address, self->probe_cancellable, probe_done, g_object_ref (self));
}

/* The model's names from what Mi Assistant says ("sweet", or with a region
 * suffix such as "sweet_global"), with the version and region. */
static char *
dup_recovery_title (UbRecoveryInfo *info)
{
  const char *device = ub_recovery_info_get_device (info);
  g_autofree char *base = NULL;

  if (device == NULL)
    return g_strdup (_("Phone in Mi Assistant mode"));
  if (ub_phone_lookup_model (device) == NULL && strchr (device, '_') != NULL)
    {
      base = g_strndup (device, strchr (device, '_') - device);
      if (ub_phone_lookup_model (base) != NULL)
        return ub_phone_dup_model_name (base);
    }
  return ub_phone_dup_model_name (device);
}

char *
ub_phone_dup_title (UbPhone *self)
{
  const char *product;

  g_return_val_if_fail (UB_IS_PHONE (self), NULL);

  if (self->adb && self->recovery_info != NULL)
    return dup_recovery_title (self->recovery_info);
  if (self->adb)
    return g_strdup (_("Android phone (started normally)"));
  if (self->device != NULL)
    switch (ub_usb_device_info_get_kind (self->device))
      {
      case UB_USB_DEVICE_KIND_EDL:
        return g_strdup (_("Phone in Qualcomm emergency mode (EDL)"));
      case UB_USB_DEVICE_KIND_BROM:
        return g_strdup (_("Phone in MediaTek boot ROM mode"));
      case UB_USB_DEVICE_KIND_FASTBOOT:
      default:
        break;
      }

  product = self->info != NULL ? ub_phone_info_get_product (self->info) : NULL;
  if (product == NULL)
    return g_strdup (_("Phone in fastboot mode"));
  return ub_phone_dup_model_name (product);
}

char *
ub_phone_dup_summary (UbPhone *self)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);
  const char *serial;

  g_return_val_if_fail (UB_IS_PHONE (self), NULL);

  serial = ub_phone_get_serial (self);
  if (serial != NULL)
    g_ptr_array_add (parts, g_strdup_printf (_("Serial %s"), serial));
  if (self->adb)
    {
      const char *version = NULL, *region = NULL;

      if (self->recovery_info != NULL)
        {
          version = ub_recovery_info_get_version (self->recovery_info);
          region = ub_recovery_info_get_region (self->recovery_info);
          if (version != NULL && *version != '\0')
            g_ptr_array_add (parts, g_strdup_printf (_("version %s"), version));
          if (region != NULL && *region != '\0')
            g_ptr_array_add (parts, g_strdup_printf (_("region %s"), region));
          g_ptr_array_add (parts, g_strdup (_("Mi Assistant mode")));
        }
      else if (self->probing)
        g_ptr_array_add (parts, g_strdup (_("asking the phone…")));
      g_ptr_array_add (parts, NULL);
      return g_strjoinv (" · ", (char **) parts->pdata);
    }

  if (self->info != NULL)
    {
      const char *slot = ub_phone_info_get_current_slot (self->info);
      int anti = ub_phone_info_get_anti (self->info);
      guint voltage = ub_phone_info_get_battery_voltage (self->info);

      switch (ub_phone_info_get_unlocked (self->info))
        {
        case UB_TRISTATE_YES:
          g_ptr_array_add (parts, g_strdup (_("bootloader unlocked")));
          break;
        case UB_TRISTATE_NO:
          g_ptr_array_add (parts, g_strdup (_("bootloader locked")));
          break;
        case UB_TRISTATE_UNKNOWN:
        default:
          break;
        }
      if (slot != NULL && *slot != '\0')
        g_ptr_array_add (parts, g_strdup_printf (_("slot %s"), slot));
      if (anti >= 0)
        g_ptr_array_add (parts, g_strdup_printf (_("anti-rollback %d"), anti));
      if (voltage > 0)
        g_ptr_array_add (parts, g_strdup_printf (_("battery %.1f V"), voltage / 1000.0));
      else if (ub_phone_info_get_battery_ok (self->info) == UB_TRISTATE_NO)
        g_ptr_array_add (parts, g_strdup (_("battery low")));
    }
  else if (self->probing)
    g_ptr_array_add (parts, g_strdup (_("asking the phone…")));

  g_ptr_array_add (parts, NULL);
  return g_strjoinv (" · ", (char **) parts->pdata);
}

char *
ub_phone_dup_diagnosis (UbPhone *self)
{
  g_return_val_if_fail (UB_IS_PHONE (self), NULL);

  if (self->adb && self->recovery_info != NULL)
    return NULL;
  if (self->adb && self->probing && self->device == NULL)
    return NULL;
  if (self->adb && !self->adb_refused && self->problem != NULL && self->device == NULL)
    return g_strdup_printf (_("The phone did not answer: %s Check the cable and press Refresh."),
                            self->problem);
  if (self->device != NULL)
    {
      switch (ub_usb_device_info_get_kind (self->device))
        {
        case UB_USB_DEVICE_KIND_EDL:
          return g_strdup (_("This phone is in Qualcomm emergency download mode (EDL, 05c6:9008). Unbrick cannot flash it in this mode: it needs an authorised service tool. Try holding Power for 15 seconds, then Volume Down and Power to reach fastboot mode; if it always comes back here, take it to an authorised service centre."));
        case UB_USB_DEVICE_KIND_BROM:
          return g_strdup (_("This phone is in MediaTek boot ROM mode (0e8d:0003). Unbrick cannot flash it in this mode: it needs an authorised service tool. Unplug it, hold Volume Down and Power to reach fastboot mode and plug it in again."));
        case UB_USB_DEVICE_KIND_FASTBOOT:
        case UB_USB_DEVICE_KIND_ADB:
        default:
          break;
        }
      /* also for an adb device: without access it cannot be asked anything */
      switch (ub_usb_device_info_get_problem (self->device))
        {
        case UB_USB_ACCESS_PERMISSION:
          return g_strdup (_("This computer does not let Unbrick talk to the phone. Install the USB rule below once, then unplug the phone and plug it in again."));
        case UB_USB_ACCESS_BUSY:
          return g_strdup (_("Another program is using the phone. Close other flashing tools, stop an adb server (“adb kill-server”), and make sure ModemManager or fwupd are not holding it, then press Refresh."));
        case UB_USB_ACCESS_OK:
        default:
          break;
        }
    }
  if (self->adb)
    /* a started phone (it asks for adb authorisation, which Unbrick does not
     * do) or adb in another mode: how to reach Mi Assistant or fastboot */
    return g_strdup (_("This phone is running Android (or a recovery without Mi Assistant), which Unbrick cannot use. "
                       "To reinstall its official system: turn it off, hold Volume Up and Power until the recovery menu appears, "
                       "and choose “Connect with MIAssistant”. To flash it in fastboot mode instead: turn it off, "
                       "then hold Volume Down and Power together until the FASTBOOT screen appears."));
  if (self->info == NULL && !self->probing && self->problem != NULL)
    return g_strdup_printf (_("The phone did not answer: %s Unplug it, plug it in again and press Refresh."),
                            self->problem);
  if (ub_phone_get_locked (self))
    return g_strdup (_("Bootloader locked: fastboot cannot write this phone. Continue to reinstall its official system through Xiaomi’s recovery (Mi Assistant) instead."));
  if (self->info != NULL && ub_phone_info_get_is_userspace (self->info))
    return g_strdup (_("This phone is in fastbootd (the recovery’s fastboot). Official ROMs are flashed from the bootloader: choose “Reboot to bootloader” in Advanced, or hold Volume Down and Power while it restarts."));
  return NULL;
}

void
ub_phone_set_preflight (UbPhone *self, UbPreflight *preflight)
{
  g_return_if_fail (UB_IS_PHONE (self));
  if (g_set_object (&self->preflight, preflight))
    g_object_notify_by_pspec (G_OBJECT (self), props[PROP_PREFLIGHT]);
}

UbPreflight *
ub_phone_get_preflight (UbPhone *self)
{
  g_return_val_if_fail (UB_IS_PHONE (self), NULL);
  return self->preflight;
}

void
ub_phone_set_job (UbPhone *self, UbFlashJob *job)
{
  g_return_if_fail (UB_IS_PHONE (self));
  if (g_set_object (&self->job, job))
    g_object_notify_by_pspec (G_OBJECT (self), props[PROP_JOB]);
}

UbFlashJob *
ub_phone_get_job (UbPhone *self)
{
  g_return_val_if_fail (UB_IS_PHONE (self), NULL);
  return self->job;
}

void
ub_phone_log (UbPhone *self, const char *format, ...)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%H:%M:%S");
  g_autofree char *line = NULL;
  va_list args;

  g_return_if_fail (UB_IS_PHONE (self));

  va_start (args, format);
  line = g_strdup_vprintf (format, args);
  va_end (args);
  g_string_append_printf (self->log, "%s  %s\n", stamp, line);
}

const char *
ub_phone_get_log (UbPhone *self)
{
  g_return_val_if_fail (UB_IS_PHONE (self), NULL);
  return self->log->str;
}

void
ub_phone_clear_log (UbPhone *self)
{
  g_return_if_fail (UB_IS_PHONE (self));
  g_string_truncate (self->log, 0);
}
