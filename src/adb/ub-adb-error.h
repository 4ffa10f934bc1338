/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define UB_ADB_ERROR (ub_adb_error_quark ())

/**
 * UbAdbError:
 * @UB_ADB_ERROR_FAILED: generic failure
 * @UB_ADB_ERROR_PROTOCOL: a malformed or unexpected packet (bad magic, payload
 *   larger than agreed, checksum, unknown command, a reply for another stream…);
 *   the message names what was wrong
 * @UB_ADB_ERROR_AUTH_REQUIRED: a started phone asked for adb key authentication
 *   (Unbrick does not do it: the message says how to reach recovery or fastboot
 *   with the keys instead)
 * @UB_ADB_ERROR_NOT_MI_ASSISTANT: the device speaks adb but is not in
 *   Mi Assistant mode (banner other than `sideload::`)
 * @UB_ADB_ERROR_REFUSED: the device refused a service (CLSE answering OPEN)
 * @UB_ADB_ERROR_CLOSED: the device closed the stream or the connection
 * @UB_ADB_ERROR_TIMEOUT: the device did not answer in time
 * @UB_ADB_ERROR_INSTALL_FAILED: the recovery reported a failed install
 *   (`FAILFAIL` or its own text, which is the message)
 *
 * Transport failures (unplugged cable, permission, busy) keep their
 * UB_FASTBOOT_ERROR from the transport; cancelling gives G_IO_ERROR_CANCELLED.
 */
typedef enum {
  UB_ADB_ERROR_FAILED,
  UB_ADB_ERROR_PROTOCOL,
  UB_ADB_ERROR_AUTH_REQUIRED,
  UB_ADB_ERROR_NOT_MI_ASSISTANT,
  UB_ADB_ERROR_REFUSED,
  UB_ADB_ERROR_CLOSED,
  UB_ADB_ERROR_TIMEOUT,
  UB_ADB_ERROR_INSTALL_FAILED,
} UbAdbError;

GQuark ub_adb_error_quark (void);

G_END_DECLS
