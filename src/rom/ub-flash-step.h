/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "ub-rom-enums.h"

G_BEGIN_DECLS

/*
 * One statement of a flash script, as the interpreter understood it. A
 * script is a list of these; nothing is ever run by a shell.
 */
typedef enum {
  UB_STEP_CHECK_PRODUCT,  /* the phone must be one of @codenames */
  UB_STEP_CHECK_ANTI,     /*< nick=check-anti-rollback >*/ /* device anti-rollback index ≤ the package's */
  UB_STEP_CHECK_SPL,      /*< nick=check-security-patch >*/ /* device security patch level ≤ the package's */
  UB_STEP_CHECK_FOLDER,   /* the ROM folder's name must match @pattern (findstr on %cd%) */
  UB_STEP_CHECK_NUMBER,   /* refuse when "getvar @var" @arg @package_value holds (cmd's if … LEQ …) */
  UB_STEP_CHECK_VAR,      /* "getvar @var" must match @pattern (e.g. secure: yes) */
  UB_STEP_FLASH,
  UB_STEP_ERASE,
  UB_STEP_FORMAT,
  UB_STEP_SET_ACTIVE,     /* @arg: slot letter */
  UB_STEP_OEM,            /* @arg: "lock", "cdms", … */
  UB_STEP_FLASHING,       /* @arg: "lock", "unlock" */
  UB_STEP_REBOOT,         /* @arg: NULL (system), "bootloader", "fastboot", "recovery" */
  UB_STEP_BOOT,           /* @file: an image sent and booted; the phone leaves fastboot */
  UB_STEP_GETVAR,         /* a getvar whose answer nothing uses */
  UB_STEP_ECHO,           /* @arg: the text */
  UB_STEP_SLEEP,          /* @arg: seconds */
  UB_STEP_EXIT,           /* the script stops here (successfully) */
} UbStepKind;

/*
 * A guard: the step runs only when every condition holds. Conditions on
 * device variables are decided once the phone is connected, file and folder
 * conditions against the ROM folder.
 */
typedef enum {
  UB_CONDITION_VAR,     /* "@name: <value>" (as AOSP prints getvar) matches @pattern */
  UB_CONDITION_FILE,    /* @name (relative to the ROM folder) exists */
  UB_CONDITION_FOLDER,  /* the ROM folder's name matches @pattern (see ub_folder_name_matches) */
} UbConditionKind;

typedef struct {
  UbConditionKind kind;
  char           *name;
  char           *pattern;   /* PCRE, VAR and FOLDER */
  gboolean        negate;
} UbCondition;

typedef struct {
  UbStepKind  kind;
  guint       line;          /* 1-based line in the script */
  char       *text;          /* the script line(s), for messages */
  char       *partition;     /* FLASH, ERASE, FORMAT: as written in the script */
  char       *file;          /* FLASH, BOOT: path relative to the ROM folder ('/' separators);
                                CHECK_ANTI/CHECK_SPL: the package's version file or NULL */
  char       *arg;           /* see UbStepKind */
  char       *error_message; /* the script's own words when this step fails, or NULL */
  gboolean    fatal;         /* a failure stops the script (the script checks it) */
  GPtrArray  *conditions;    /* of UbCondition, all must hold */
  guint       vbmeta_flags;  /* FLASH: AVB flags set before sending (UB_VBMETA_FLAG_*, see
                                ub-vbmeta.h: --disable-verity, --disable-verification) */

  /* CHECK_PRODUCT */
  GStrv       codenames;
  gboolean    prefix_match;  /* the script's pattern accepts any name starting with a codename */
  /* CHECK_ANTI / CHECK_SPL / CHECK_VAR / CHECK_NUMBER */
  char       *var;           /* device variable: anti, rollback_ver, security-patch-level, … */
  gint64      package_value; /* CHECK_ANTI: constant index when @file is NULL; -1 none;
                                CHECK_NUMBER: the number compared with */
  char       *pattern;       /* CHECK_VAR: PCRE on "var: value"; CHECK_FOLDER: PCRE on the name */
  gboolean    refuse_match;  /* CHECK_VAR, CHECK_FOLDER: the script stops when @pattern matches */
  gboolean    empty_is_zero; /* CHECK_NUMBER: a missing value counts as 0 (else it refuses) */
} UbFlashStep;

#define UB_TYPE_FLASH_STEP (ub_flash_step_get_type ())
GType        ub_flash_step_get_type   (void) G_GNUC_CONST;

UbFlashStep *ub_flash_step_new        (UbStepKind         kind,
                                       guint              line,
                                       const char        *text);
UbFlashStep *ub_flash_step_ref        (UbFlashStep       *step);
void         ub_flash_step_unref      (UbFlashStep       *step);
/* A copy with @extra appended to the conditions (the step itself is left alone). */
UbFlashStep *ub_flash_step_copy_with_condition (const UbFlashStep *step,
                                                const UbCondition *extra);

/* TRUE for steps that change the phone (flash, erase, format, set_active, oem, flashing). */
gboolean     ub_flash_step_is_destructive (const UbFlashStep *step);
/* TRUE for steps that talk to the phone at all (checks and getvar included). */
gboolean     ub_flash_step_uses_device    (const UbFlashStep *step);
/* TRUE for steps that send an image file (flash, boot): @file is set. */
gboolean     ub_flash_step_has_image      (const UbFlashStep *step);
/* TRUE for oem lock / flashing lock. */
gboolean     ub_flash_step_is_lock        (const UbFlashStep *step);
/* "flash boot_ab images/boot.img", "erase metadata", "flash vbmeta images/vbmeta.img
 * --disable-verity", … (untranslated, for logs and tests) */
char        *ub_flash_step_describe       (const UbFlashStep *step);
/* A short sentence for people: "Writing boot_ab", "Erasing metadata", … */
char        *ub_flash_step_dup_title      (const UbFlashStep *step);
const char  *ub_step_kind_to_string       (UbStepKind kind);

UbCondition *ub_condition_new  (UbConditionKind kind,
                                const char     *name,
                                const char     *pattern,
                                gboolean        negate);
UbCondition *ub_condition_copy (const UbCondition *condition);
void         ub_condition_free (UbCondition *condition);
/* "crc matches ^crc: 1", "images/exaid.img exists", … */
char        *ub_condition_describe (const UbCondition *condition);
/* Whether the PCRE @pcre matches @subject; FALSE (UB_ROM_ERROR_FAILED) when it does not
 * compile, which the readers never let through. */
gboolean     ub_pattern_matches     (const char *pcre,
                                     const char *subject,
                                     gboolean   *matches,
                                     GError    **error);
/* Whether cmd expands %folder% to the name as it is: none of & | < > ^ ( ) % ! "
 * nor control characters (they make cmd run something else). */
gboolean     ub_folder_name_is_plain (const char *folder_name);
/* Whether a script's "echo %folder% | findstr" matches the ROM folder named @folder_name
 * (@pcre: the findstr pattern; echo leaves the blank before the pipe: "NAME "). Only
 * meaningful for a plain name (ub_folder_name_is_plain). */
gboolean     ub_folder_name_matches (const char *pcre,
                                     const char *folder_name,
                                     gboolean   *matches,
                                     GError    **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (UbFlashStep, ub_flash_step_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (UbCondition, ub_condition_free)

G_END_DECLS
