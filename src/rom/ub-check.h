/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "ub-rom-enums.h"

G_BEGIN_DECLS

typedef enum {
  UB_CHECK_PASSED,
  UB_CHECK_WARNING,   /* worth knowing; does not stop the flash */
  UB_CHECK_FAILED,    /* the flash must not start */
  UB_CHECK_SKIPPED,   /* could not be checked (e.g. the ROM has no checksum list) */
} UbCheckStatus;

/* One result of the checks before flashing, in words for people. */
typedef struct {
  char          *id;         /* stable: "product", "anti-rollback", "unlocked", "images", … */
  UbCheckStatus  status;
  char          *title;      /* one plain sentence */
  char          *detail;     /* the technical detail, or NULL */
  char          *next_step;  /* what to do about it, or NULL */
} UbCheck;

#define UB_TYPE_CHECK (ub_check_get_type ())
GType        ub_check_get_type (void) G_GNUC_CONST;

UbCheck     *ub_check_new  (const char    *id,
                            UbCheckStatus  status,
                            const char    *title,
                            const char    *detail,
                            const char    *next_step);
UbCheck     *ub_check_copy (const UbCheck *check);
void         ub_check_free (UbCheck       *check);
/* "passed", "warning", "failed", "skipped" */
const char  *ub_check_status_to_string (UbCheckStatus status);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (UbCheck, ub_check_free)

G_END_DECLS
