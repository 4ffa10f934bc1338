/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The emulated recovery on adb's TCP transport (raw adb messages on a byte
 * stream), one connection at a time, on its own thread. */

#include "ub-emu-recovery.h"

G_BEGIN_DECLS

#define UB_TYPE_EMU_ADB_SERVER (ub_emu_adb_server_get_type ())
G_DECLARE_FINAL_TYPE (UbEmuAdbServer, ub_emu_adb_server, UB, EMU_ADB_SERVER, GObject)

UbEmuAdbServer *ub_emu_adb_server_new      (UbEmuRecovery  *recovery);
/* @port: 0 picks a free port. Listens on 127.0.0.1. */
gboolean        ub_emu_adb_server_start    (UbEmuAdbServer *self,
                                            guint16         port,
                                            GError        **error);
guint16         ub_emu_adb_server_get_port (UbEmuAdbServer *self);
/* Closes the listener and the connection. */
void            ub_emu_adb_server_stop     (UbEmuAdbServer *self);

G_END_DECLS
