/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "ub-fastboot-client.h"
#include "ub-fastboot-enums.h"

G_BEGIN_DECLS

/**
 * UbTristate:
 * @UB_TRISTATE_UNKNOWN: the phone did not say (variable missing or unparsable)
 * @UB_TRISTATE_NO: "no"
 * @UB_TRISTATE_YES: "yes"
 */
typedef enum {
  UB_TRISTATE_UNKNOWN,
  UB_TRISTATE_NO,
  UB_TRISTATE_YES,
} UbTristate;


#define UB_TYPE_PHONE_INFO (ub_phone_info_get_type ())
G_DECLARE_FINAL_TYPE (UbPhoneInfo, ub_phone_info, UB, PHONE_INFO, GObject)

/*
 * What a phone in fastboot mode says about itself: an immutable snapshot of
 * getvar values (product, serialno, unlocked, current-slot, anti,
 * battery-voltage, battery-soc-ok, secure, max-download-size,
 * is-userspace), plus any variable asked later with ub_phone_info_ask_var()
 * (the checks ask the ones a ROM's script reads). A variable the phone
 * answered FAIL to is known to be missing: ub_phone_info_lookup_var() tells
 * it from one that was never asked.
 */

/* The variables a probe asks for (NULL-terminated). */
const char * const *ub_phone_info_get_probe_vars (void);

/* From getvar values: @vars maps a variable name to its value (copied;
 * may be NULL for "nothing known"). */
UbPhoneInfo *ub_phone_info_new                 (GHashTable          *vars);

/*
 * Opens @address (see ub_transport_open(): "tcp:HOST:PORT", "usb:B-P.P", a
 * serial number, NULL for the only fastboot phone), asks for each probe
 * variable with getvar and closes it again. Sends nothing but getvar. A
 * FAIL answer leaves that variable unknown; transport errors (timeout,
 * unplugged…) and cancellation fail the probe. Blocking; runs in a GTask
 * thread for the async form.
 */
UbPhoneInfo *ub_phone_info_probe               (const char          *address,
                                                GCancellable        *cancellable,
                                                GError             **error);
/* The same on a client that is already open; it stays open. */
UbPhoneInfo *ub_phone_info_probe_client        (UbFastbootClient    *client,
                                                GCancellable        *cancellable,
                                                GError             **error);
void         ub_phone_info_probe_async         (const char          *address,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
UbPhoneInfo *ub_phone_info_probe_finish        (GAsyncResult        *result,
                                                GError             **error);

/* The raw value of any variable that was read, or NULL. */
const char  *ub_phone_info_get_var             (UbPhoneInfo *self,
                                                const char  *name);
/* TRUE when @name was asked; *@value is then NULL if the phone answered FAIL. */
gboolean     ub_phone_info_lookup_var          (UbPhoneInfo  *self,
                                                const char   *name,
                                                const char  **value);
/*
 * The value of @name, asking @client (getvar) when it was not asked yet and
 * remembering the answer. FALSE only when the phone could not be asked
 * (transport error, cancelled); *@value is NULL when it answered FAIL.
 * Blocking: call it on the thread that talks to the phone.
 */
gboolean     ub_phone_info_ask_var             (UbPhoneInfo       *self,
                                                UbFastbootClient  *client,
                                                const char        *name,
                                                const char       **value,
                                                GCancellable      *cancellable,
                                                GError           **error);

/* "product" (the codename, e.g. "alioth"), or NULL. */
const char  *ub_phone_info_get_product         (UbPhoneInfo *self);
/* "serialno", or NULL. */
const char  *ub_phone_info_get_serial          (UbPhoneInfo *self);
UbTristate   ub_phone_info_get_unlocked        (UbPhoneInfo *self);
/* "a", "b" (a leading "_" is dropped), or NULL without slots. */
const char  *ub_phone_info_get_current_slot    (UbPhoneInfo *self);
/* Xiaomi's anti-rollback index; -1 when unknown. */
int          ub_phone_info_get_anti            (UbPhoneInfo *self);
/* Battery voltage in mV; 0 when unknown. */
guint        ub_phone_info_get_battery_voltage (UbPhoneInfo *self);
/* "battery-soc-ok": whether the charge is enough to flash. */
UbTristate   ub_phone_info_get_battery_ok      (UbPhoneInfo *self);
UbTristate   ub_phone_info_get_secure          (UbPhoneInfo *self);
/* TRUE in fastbootd (userspace fastboot), FALSE in the bootloader or unknown. */
gboolean     ub_phone_info_get_is_userspace    (UbPhoneInfo *self);
/* Bytes; 0 when unknown. */
guint64      ub_phone_info_get_max_download_size (UbPhoneInfo *self);

G_END_DECLS
