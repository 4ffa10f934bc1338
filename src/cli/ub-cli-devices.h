/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Prints connected phones (fastboot, and the other modes we can diagnose). */
gboolean ub_cli_devices_print (gboolean   json,
                               GError   **error);

G_END_DECLS
