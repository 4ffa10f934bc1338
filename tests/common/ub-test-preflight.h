/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Test-only helpers around UbPreflight (tests/common/libubtest; needs rom_dep). */

#include "ub-preflight.h"

G_BEGIN_DECLS

/* Runs the checks of @rom in @mode against the phone at @address in a thread (as
 * front ends must); they must run to the end (passed or not). */
UbPreflight   *ub_test_preflight_run (UbRom         *rom,
                                      UbRomMode      mode,
                                      const char    *address);
/* For a failing test's log. */
void           ub_test_print_checks  (UbPreflight   *preflight);
/* The check @id with @status, or NULL (then all checks are printed). */
const UbCheck *ub_test_find_check    (UbPreflight   *preflight,
                                      const char    *id,
                                      UbCheckStatus  status);

G_END_DECLS
