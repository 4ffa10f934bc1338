/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The builder the .sh and .bat readers of UbScript fill (ub-script-builder.c);
 * not public. */

#include "ub-flash-step.h"

G_BEGIN_DECLS

/* In statically evaluated words: the script's folder (`dirname $0`, %~dp0…)
 * and the "pass the serial" argument ($*, %*). */
#define UB_SCRIPT_ROOT "\001"
#define UB_SCRIPT_ARGS "\002"

typedef enum {
  UB_PATTERN_BRE,      /* grep */
  UB_PATTERN_ERE,      /* grep -E */
  UB_PATTERN_FINDSTR,  /* findstr /r */
  UB_PATTERN_PCRE,     /* grep -P */
} UbPatternSyntax;

typedef struct {
  const char *name;      /* script file name, for messages */
  GPtrArray  *steps;     /* of UbFlashStep */
  GPtrArray  *notes;     /* of char *: things worth telling that do not stop the script */
  GPtrArray  *guards;    /* of UbCondition: the enclosing conditions */
  guint       line_steps; /* how many steps the last ub_script_fastboot_step() added (the
                             last ones of @steps): 3 for "fastboot -w", else 1 */
} UbScriptBuilder;

void         ub_script_builder_init  (UbScriptBuilder *b,
                                      const char      *name);
void         ub_script_builder_clear (UbScriptBuilder *b);
/* A new step carrying the enclosing conditions, appended to the script. */
UbFlashStep *ub_script_builder_add   (UbScriptBuilder *b,
                                      UbStepKind       kind,
                                      guint            line,
                                      const char      *text);
void         ub_script_builder_push_guard (UbScriptBuilder *b,
                                           UbConditionKind  kind,
                                           const char      *name,
                                           const char      *pattern,
                                           gboolean         negate);
void         ub_script_builder_pop_guard  (UbScriptBuilder *b);
void         ub_script_builder_note  (UbScriptBuilder *b,
                                      guint            line,
                                      const char      *format,
                                      ...) G_GNUC_PRINTF (3, 4);

/* UB_ROM_ERROR_UNSUPPORTED_SCRIPT: "<name>, line <n>: <why>: “<text>”" */
void         ub_script_error         (GError         **error,
                                      const char      *name,
                                      guint            line,
                                      const char      *text,
                                      const char      *why);

/* What the script does when the steps [@first, @first + @n) fail (one fastboot
 * line's): stop (@fatal, added to what was said before) and, with
 * @set_message, say @message (NULL: nothing of its own). */
void         ub_script_builder_on_failure (UbScriptBuilder *b,
                                           guint            first,
                                           guint            n,
                                           gboolean         fatal,
                                           gboolean         set_message,
                                           const char      *message);

/*
 * Turns the words after "fastboot" (with UB_SCRIPT_ARGS where the script
 * passes its arguments, and UB_SCRIPT_ROOT for the script's folder) into a
 * step, and returns it. "fastboot -w" alone becomes three (see
 * @line_steps), as AOSP fastboot wipes: erase userdata, cache and metadata,
 * each when the phone reports a partition-type for it; the last is returned.
 */
UbFlashStep *ub_script_fastboot_step (UbScriptBuilder *b,
                                      guint            line,
                                      const char      *text,
                                      char           **argv,
                                      GError         **error);
/* The variable a "fastboot [ARGS] getvar NAME" asks for, or NULL. */
char        *ub_script_getvar_name   (char           **argv);

/* A path from a script → relative to the ROM folder with '/' separators.
 * NULL (and @why set) for absolute paths, "..", or variables left over. */
char        *ub_script_rom_path      (const char      *raw,
                                      const char     **why);

/*
 * A grep/findstr pattern → PCRE (for GRegex) that matches what grep or
 * findstr would; NULL (and @why) when Unbrick cannot be sure, or when the
 * result does not compile.
 */
char        *ub_script_pattern_to_pcre (const char      *pattern,
                                        UbPatternSyntax  syntax,
                                        const char     **why);
/* Whether GRegex compiles @pcre (every pattern a step keeps must). */
gboolean     ub_script_pcre_compiles   (const char      *pcre);
/*
 * The codenames a product check accepts: "^product: *piano" → piano
 * (prefix), "^product: *lancelot$" → lancelot (exact), alternations too.
 * FALSE when the PCRE is not a plain list of names.
 */
gboolean     ub_script_product_codenames (const char      *pcre,
                                          GStrv           *codenames,
                                          gboolean        *prefix_match);

/* What a script variable holds, symbolically. */
typedef enum {
  UB_VAL_INT,       /* a number */
  UB_VAL_STRING,    /* a text (may hold UB_SCRIPT_ROOT) */
  UB_VAL_PKGFILE,   /* the content of a file in the ROM (@s: its path) */
  UB_VAL_DEVVAR,    /* a device variable (@s: its name) */
  UB_VAL_FOLDER,    /* the name of the ROM folder (cmd: %%~nx of %cd%) */
  UB_VAL_FOLDER_PART,   /* a part of it (%%~n, %folder:~a,b%): only ever shown, never used */
  UB_VAL_FOLDER_CHOICE, /* @raw when the folder's name matches @pattern, else @other */
} UbValKind;

typedef struct {
  UbValKind  kind;
  gint64     n;
  char      *s;
  char      *raw;      /* STRING (cmd): the value exactly as set stored it, quotes kept;
                          NULL when not known to the letter */
  char      *other;    /* FOLDER_CHOICE */
  char      *pattern;  /* FOLDER_CHOICE: PCRE on the folder's name (ub_folder_name_matches) */
  gboolean   date;  /* converted to seconds with date -d / Get-Date */
  gboolean   empty_is_zero;  /* DEVVAR: the script puts 0 in it when the phone says nothing */
} UbScriptVal;

UbScriptVal *ub_script_val_new  (UbValKind   kind,
                                 const char *s);
void         ub_script_val_free (UbScriptVal *val);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (UbScriptVal, ub_script_val_free)

/* "refuse when @device > @package": an anti-rollback or security-patch check. */
UbFlashStep *ub_script_version_check (UbScriptBuilder   *b,
                                      guint              line,
                                      const char        *text,
                                      const UbScriptVal *device,
                                      const UbScriptVal *package,
                                      const char        *message,
                                      GError           **error);

/*
 * "getvar @var | grep @pcre" whose failure stops the script: a product check
 * (with the codenames the pattern accepts) or a check on another variable.
 * @refuse_match: the other way round, the script stops when it matches.
 */
UbFlashStep *ub_script_match_check   (UbScriptBuilder *b,
                                      guint            line,
                                      const char      *text,
                                      const char      *var,
                                      const char      *pcre,
                                      gboolean         refuse_match,
                                      const char      *message,
                                      GError         **error);

/* cmd's idea of a number: the whole word, decimal, 0x hex or 0 octal, signed. */
gboolean     ub_script_cmd_number    (const char      *text,
                                      gint64          *out);

G_END_DECLS
