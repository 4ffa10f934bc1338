/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define UB_ONLINE_ERROR (ub_online_error_quark ())

/**
 * UbOnlineError:
 * @UB_ONLINE_ERROR_FAILED: generic failure (a file could not be written, renamed…)
 * @UB_ONLINE_ERROR_BAD_URL: a download link Unbrick refuses (not https, no file name…)
 * @UB_ONLINE_ERROR_NETWORK: the server could not be reached, refused the file or kept failing
 * @UB_ONLINE_ERROR_CHECKSUM: an MD5 that does not match, or is not an MD5
 * @UB_ONLINE_ERROR_NO_SPACE: not enough free disk space
 * @UB_ONLINE_ERROR_BAD_DATA: a catalog or server answer that is malformed, truncated or too large
 * @UB_ONLINE_ERROR_REFUSED: Xiaomi's update server answered but refused (no approval for this
 *   package on this phone, unknown phone…); the message has the server's own words
 *
 * Cancellation is reported as G_IO_ERROR_CANCELLED.
 */
typedef enum {
  UB_ONLINE_ERROR_FAILED,
  UB_ONLINE_ERROR_BAD_URL,
  UB_ONLINE_ERROR_NETWORK,
  UB_ONLINE_ERROR_CHECKSUM,
  UB_ONLINE_ERROR_NO_SPACE,
  UB_ONLINE_ERROR_BAD_DATA,
  UB_ONLINE_ERROR_REFUSED,
} UbOnlineError;

GQuark ub_online_error_quark (void);

G_END_DECLS
