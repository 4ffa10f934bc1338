/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "ub-emu-demo.h"
#include "ub-recovery-info.h"

G_BEGIN_DECLS

#define UB_TYPE_WINDOW (ub_window_get_type ())
G_DECLARE_FINAL_TYPE (UbWindow, ub_window, UB, WINDOW, AdwApplicationWindow)

/*
 * The wizard: Connect → Firmware → Confirm → Flash → Result, plus the
 * advanced tools. @demo: the in-process emulated phone of demo mode, or
 * NULL to watch the USB bus.
 */
UbWindow   *ub_window_new            (GtkApplication *application,
                                      UbEmuDemo      *demo);
GtkStack   *ub_window_get_stack      (UbWindow       *self);
/* "detect", "firmware", "confirm", "flash", "result", "advanced"; for a phone
 * in Mi Assistant mode "recovery-firmware", "recovery-confirm", "install" */
GtkWidget  *ub_window_get_page       (UbWindow       *self,
                                      const char     *name);
void        ub_window_show_page      (UbWindow       *self,
                                      const char     *name);
/*
 * A phone in Mi Assistant mode (Xiaomi recovery, "Connect with MIAssistant")
 * at @address (what reopens it: "usb:…", "tcp:…") that said @info: the
 * wizard goes on with its firmware from Xiaomi, Confirm, Install, Result.
 */
void        ub_window_start_recovery (UbWindow       *self,
                                      const char     *address,
                                      UbRecoveryInfo *info);
/* Demo mode: lists the demo's locked phone (ub_emu_demo_enable_locked_phone(),
 * set up on a worker thread) next to the unlocked one; the app does this for
 * --demo. Nothing without a demo. */
void        ub_window_add_demo_locked_phone (UbWindow   *self);
/* TRUE while a phone is being flashed (or installed through its recovery). */
gboolean    ub_window_get_busy       (UbWindow       *self);
/* Number of times the flash page redrew its progress, for the stall benchmark. */
guint       ub_window_get_n_progress_updates (UbWindow *self);

G_END_DECLS
