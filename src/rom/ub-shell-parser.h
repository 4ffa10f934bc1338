/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The POSIX-shell parser the .sh reader of UbScript works on
 * (ub-shell-parser.c); not public. */

#include <glib.h>

G_BEGIN_DECLS

typedef struct _UbShNode UbShNode;

typedef enum { UB_SH_PART_LIT, UB_SH_PART_VAR, UB_SH_PART_CMD } UbShPartKind;

typedef struct {
  UbShPartKind  kind;
  char         *text;   /* LIT: the characters; VAR: the name ("*", "@", "?", "0", "X") */
  UbShNode     *cmd;    /* CMD: the parsed command substitution */
} UbShPart;

typedef struct {
  GPtrArray *parts;   /* of UbShPart */
  gboolean   quoted;  /* some part was quoted (so "" is a word) */
} UbShWord;

typedef enum {
  UB_SH_NODE_SIMPLE, UB_SH_NODE_PIPELINE, UB_SH_NODE_AND, UB_SH_NODE_OR, UB_SH_NODE_IF,
  UB_SH_NODE_GROUP, UB_SH_NODE_FUNC, UB_SH_NODE_LIST,
} UbShNodeKind;

struct _UbShNode {
  UbShNodeKind  kind;
  guint         line;
  GPtrArray    *words;     /* SIMPLE: of UbShWord */
  GPtrArray    *redirs;    /* SIMPLE: of char * ("2>&1", ">/dev/null") */
  GPtrArray    *children;  /* PIPELINE, LIST: of UbShNode; IF: cond, body, [else] */
  gboolean      has_else;
  UbShNode     *left;      /* AND, OR */
  UbShNode     *right;
  char         *name;      /* FUNC */
  UbShNode     *body;      /* FUNC, GROUP */
};

UbShWord   *ub_sh_word_new    (void);
void        ub_sh_word_free   (UbShWord   *word);
void        ub_sh_node_free   (UbShNode   *node);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (UbShNode, ub_sh_node_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (UbShWord, ub_sh_word_free)

/*
 * Parses @text (LF line ends), whose first line is @first_line of the
 * script; @lines are the script's lines, for messages (stripped in place
 * when one is quoted). A UB_SH_NODE_LIST, or NULL with @error set
 * (UB_ROM_ERROR_UNSUPPORTED_SCRIPT: "<name>, line <n>: <why>: “<text>”").
 */
UbShNode   *ub_sh_parse       (const char  *name,
                               char       **lines,
                               const char  *text,
                               guint        first_line,
                               GError     **error);
/* Line @line (from 1) of @lines, blanks stripped; "" when out of range. */
const char *ub_sh_source_line (char      **lines,
                               guint       line);

G_END_DECLS
