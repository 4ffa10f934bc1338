/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "ub-transport.h"

G_BEGIN_DECLS

/*
 * An in-memory transport that plays a device from fuzzed bytes: each read
 * returns the next packet, coded as one length byte L and L bytes (fewer at
 * the end of the input); L = 0 is a zero-byte reply. A packet longer than
 * the reader's buffer is cut, as a USB read would be. When the bytes run
 * out every read fails with UB_FASTBOOT_ERROR_TIMEOUT at once. Writes are
 * accepted and counted, up to a bound.
 */
#define UB_TYPE_FUZZ_TRANSPORT (ub_fuzz_transport_get_type ())
G_DECLARE_FINAL_TYPE (UbFuzzTransport, ub_fuzz_transport, UB, FUZZ_TRANSPORT, GObject)

UbFuzzTransport *ub_fuzz_transport_new      (const guint8 *data,
                                             gsize         len);
/* Bytes the host wrote so far. */
guint64          ub_fuzz_transport_get_written (UbFuzzTransport *self);
/* TRUE when every byte was consumed. */
gboolean         ub_fuzz_transport_is_drained (UbFuzzTransport *self);
/* Reopens a closed transport (a reboot, then the next command). */
void             ub_fuzz_transport_reopen   (UbFuzzTransport *self);

/*
 * A well-behaved phone instead: each getvar:NAME is answered at once with
 * OKAY and @answers' value (FAIL when it has none), any other command with
 * OKAY. The fuzzed packets come after, when nothing is pending.
 */
void             ub_fuzz_transport_set_answers (UbFuzzTransport *self,
                                                GHashTable      *answers);

G_END_DECLS
