/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * UbAdviceContext:
 * @UB_ADVICE_COMMAND: a single command (unbrick-cli flash, the advanced page): try it again
 * @UB_ADVICE_RESUME: a flash job that stopped part way: resume it
 * @UB_ADVICE_RECOVERY: a phone in Mi Assistant recovery (unbrick-cli recovery,
 *   a UbRecoveryJob before or after its sideload): the phone is in recovery
 * @UB_ADVICE_SIDELOAD: a recovery install that stopped while the package was
 *   being sent
 * @UB_ADVICE_WIPE: a factory reset (format-data:) that stopped after it was sent
 *
 * What the user is doing, so that the advice ends in the right action.
 */
typedef enum {
  UB_ADVICE_COMMAND,
  UB_ADVICE_RESUME,
  UB_ADVICE_RECOVERY,
  UB_ADVICE_SIDELOAD,
  UB_ADVICE_WIPE,
} UbAdviceContext;

char *ub_advice_for_error (const GError    *error,
                           const char      *address,
                           UbAdviceContext  context);

G_END_DECLS
