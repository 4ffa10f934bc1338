/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * Internal state of UbEmuPhone, shared with UbEmuSession only. Everything
 * below is protected by UbEmuPhone.lock; functions ending in _locked expect
 * the caller to hold it.
 */

#include "ub-emu-phone.h"

G_BEGIN_DECLS

typedef struct {
  char    *name;   /* exact GPT name, e.g. "boot_a" */
  guint64  size;
  char    *type;   /* "raw", "ext4", "f2fs" */
  char    *path;   /* backing sparse file */
} UbEmuPartition;

typedef enum {
  UB_EMU_FAULT_FAIL,
  UB_EMU_FAULT_DISCONNECT_AFTER,
  UB_EMU_FAULT_STALL,
  UB_EMU_FAULT_STALL_AFTER,
  UB_EMU_FAULT_DELAY,
  UB_EMU_FAULT_DATA_SIZE,
  UB_EMU_FAULT_DEFERRED_FAIL,
  UB_EMU_FAULT_REPLY,        /* a hostile answer to a command: see UbEmuReplyKind */
  UB_EMU_FAULT_NEW_SERIAL,   /* the next reboot brings the phone back with another serial */
} UbEmuFaultKind;

typedef enum {
  UB_EMU_REPLY_LONG,         /* "long-reply": OKAY and 252 more bytes (beyond ABL's 64) */
  UB_EMU_REPLY_SPLIT,        /* "split-reply": the answer in two packets, "OK" and "AY…" */
  UB_EMU_REPLY_EMPTY,        /* "empty-reply": a packet of zero bytes, then the answer */
  UB_EMU_REPLY_INFO_FLOOD,   /* "info-flood": INFO lines that never end */
  UB_EMU_REPLY_TEXT_FLOOD,   /* "text-flood": TEXT lines that never end */
  UB_EMU_REPLY_INFO_STALL,   /* "info-stall": one INFO line, then silence */
  UB_EMU_REPLY_BABBLE,       /* "babble": 2048 bytes, more than any read asks (USB overflow) */
} UbEmuReplyKind;

typedef struct {
  UbEmuFaultKind kind;
  char    *arg;        /* command prefix or partition name */
  guint    nth;        /* fire on the nth match (1-based) */
  guint    seen;       /* matches so far */
  char    *message;    /* FAIL text */
  guint64  bytes;      /* threshold for *-after faults */
  guint64  bytes_seen;
  guint    ms;         /* delay */
  gint64   delta;      /* data-size */
  gboolean spent;      /* one-shot faults fire once */
  UbEmuReplyKind reply;
} UbEmuFault;

struct _UbEmuPhone
{
  GObject     parent_instance;

  GMutex      lock;
  char       *state_dir;
  int         log_fd;

  /* Device variables from the profile, in profile order. */
  GPtrArray  *var_names;      /* char* */
  GHashTable *vars;           /* name -> value */

  GPtrArray  *partitions;     /* UbEmuPartition*, GPT order */
  GHashTable *partition_map;  /* name -> UbEmuPartition* (borrowed) */
  GPtrArray  *slots;          /* "a", "b"; empty on non-A/B profiles */

  GPtrArray  *faults;         /* UbEmuFault* */
  guint       fault_epoch;    /* bumped by clear_faults: ends an endless reply */
  guint64     rate;           /* "rate:" download throughput limit, bytes/s; 0 = none */

  /* ABL's FlashResult: a background write failed, reported on the next
   * flash/download command. NULL when none is pending. */
  char       *pending_flash_error;

  gboolean    unlock_allowed;
  /* after OKAY to `oem lock`/`flashing lock` the phone restarts (drops the connection) */
  gboolean    restart_on_lock;
  guint       n_writes;
};

/* Variable lookup; returns NULL if unset. */
const char     *ub_emu_phone_get_var_locked      (UbEmuPhone *self,
                                                  const char *name);
void            ub_emu_phone_set_var_locked      (UbEmuPhone *self,
                                                  const char *name,
                                                  const char *value);
gboolean        ub_emu_phone_is_unlocked_locked  (UbEmuPhone *self);
guint64         ub_emu_phone_get_max_download_locked (UbEmuPhone *self);
UbEmuPartition *ub_emu_phone_find_partition_locked (UbEmuPhone *self,
                                                    const char *name);

/* Build the ABL variable list: pairs of (name, value), in `getvar all`
 * order. Free with g_ptr_array_unref. */
GPtrArray      *ub_emu_phone_list_vars_locked    (UbEmuPhone *self);

/* Append one line to writes.log (flushed). */
void            ub_emu_phone_log_locked          (UbEmuPhone *self,
                                                  const char *format,
                                                  ...) G_GNUC_PRINTF (2, 3);

/* Digits in @base, at most @max; no sign, prefix or blanks. */
gboolean ub_emu_parse_unsigned (const char *digits,
                                guint       base,
                                guint64     max,
                                guint64    *out);

G_END_DECLS
