/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "ub-emu-phone.h"

G_BEGIN_DECLS

#define UB_TYPE_EMU_SESSION (ub_emu_session_get_type ())
G_DECLARE_FINAL_TYPE (UbEmuSession, ub_emu_session, UB, EMU_SESSION, GObject)

/* Called for every device->host packet (a response of at most 256 bytes; the
 * "babble" fault sends 2048, which the TCP server cuts and USB reads overflow on). */
typedef void (*UbEmuOutputFunc) (const guint8 *data,
                                 gsize         len,
                                 gpointer      user_data);

typedef enum {
  UB_EMU_ACTION_CONTINUE,    /* keep going */
  UB_EMU_ACTION_DISCONNECT,  /* drop the link now (reboot, unplug fault) */
  UB_EMU_ACTION_STALL,       /* stop reading and answering (stall fault) */
} UbEmuAction;

UbEmuSession *ub_emu_session_new        (UbEmuPhone      *phone,
                                         UbEmuOutputFunc  output,
                                         gpointer         user_data);
/*
 * Feed one host->device packet: a command (in command phase) or any
 * number of data bytes (in a data phase; packets are concatenated until the
 * announced size is reached). Thread-safe with respect to the phone; one
 * session is fed from one thread at a time.
 */
UbEmuAction   ub_emu_session_feed       (UbEmuSession    *self,
                                         const guint8    *buf,
                                         gsize            len);
/* Bytes still expected in the current data phase (0 in command phase). */
guint64       ub_emu_session_get_data_remaining (UbEmuSession *self);
/* How many bytes a transport should read and feed at once, at most @max:
 * less under a "rate:" limit (about 50 ms worth), so that each feed's
 * sleep stays short. */
gsize         ub_emu_session_get_feed_size (UbEmuSession *self,
                                            gsize         max);

G_END_DECLS
