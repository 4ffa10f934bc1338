/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "ub-detect-page.h"
#include "ub-emu-demo.h"
#include "ub-phone.h"

G_BEGIN_DECLS

#define UB_TYPE_RECOVERY_CONNECT_PAGE (ub_recovery_connect_page_get_type ())
G_DECLARE_FINAL_TYPE (UbRecoveryConnectPage, ub_recovery_connect_page, UB, RECOVERY_CONNECT_PAGE, GtkBox)

/*
 * A locked fastboot phone: how to reach Xiaomi's recovery in "Connect with
 * MIAssistant" mode (a picture of the keys and numbered steps), then waiting
 * for that phone on the Connect page's list. ::found (UbPhone) when a phone
 * in Mi Assistant mode answered: the one with the locked phone's serial, or
 * else the only one. In demo mode "Do It for Me (Demo)" puts the demo's
 * locked phone in recovery and lists it.
 */
void     ub_recovery_connect_page_setup (UbRecoveryConnectPage *self,
                                         UbDetectPage          *detect_page,
                                         UbEmuDemo             *demo);
/* Waits for @locked (may be NULL: any one phone in Mi Assistant mode). */
void     ub_recovery_connect_page_start (UbRecoveryConnectPage *self,
                                         UbPhone               *locked);
void     ub_recovery_connect_page_stop  (UbRecoveryConnectPage *self);

G_END_DECLS
