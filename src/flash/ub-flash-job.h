/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "ub-flash-plan.h"
#include "ub-progress.h"

G_BEGIN_DECLS

typedef enum {
  UB_FLASH_JOB_READY,
  UB_FLASH_JOB_RUNNING,
  UB_FLASH_JOB_STOPPING,    /* cancel asked: finishing what the phone is writing */
  UB_FLASH_JOB_SUCCEEDED,
  UB_FLASH_JOB_FAILED,
  UB_FLASH_JOB_CANCELLED,
} UbFlashJobState;

/* A snapshot of a running job; bytes are what goes over the cable. */
typedef struct {
  guint   step;              /* index of the running step */
  guint   n_steps;
  guint64 step_done;
  guint64 step_total;
  guint64 done;              /* the whole plan */
  guint64 total;
  guint   piece;             /* 1-based piece of the image being sent, 0 when none */
  guint   n_pieces;
  double  bytes_per_second;  /* get_progress()'s rate when delivered; 0 when unknown */
  gint64  seconds_left;      /* get_progress()'s time left when delivered; -1 when unknown */
} UbFlashProgress;

#define UB_TYPE_FLASH_PROGRESS (ub_flash_progress_get_type ())
GType ub_flash_progress_get_type (void) G_GNUC_CONST;
UbFlashProgress *ub_flash_progress_copy (const UbFlashProgress *progress);
void             ub_flash_progress_free (UbFlashProgress       *progress);

#define UB_TYPE_FLASH_JOB (ub_flash_job_get_type ())
G_DECLARE_FINAL_TYPE (UbFlashJob, ub_flash_job, UB, FLASH_JOB, GObject)

/*
 * Runs a checked plan on one phone, on a thread of its own. Every signal is
 * emitted on the thread-default main context of the thread that created
 * the job, never on the worker:
 *   ::step-started (guint index)
 *   ::step-finished (guint index)
 *   ::progress (UbFlashProgress *)   at most ~10 per second
 *   ::device-message (const char *)  INFO lines from the phone
 *   ::log (const char *)             a line for the log
 *   ::finished ()                    see get_state(), get_error()
 * @address reaches the phone (serial, usb:…, tcp:…); the job checks that it
 * is the phone the plan was made for (serial and product).
 */
UbFlashJob      *ub_flash_job_new          (UbFlashPlan  *plan,
                                            const char   *address);
UbFlashPlan     *ub_flash_job_get_plan     (UbFlashJob   *self);
const char      *ub_flash_job_get_address  (UbFlashJob   *self);

/* Plans that lock the bootloader run only after this (the person confirmed twice). */
void             ub_flash_job_set_lock_confirmed (UbFlashJob *self,
                                                  gboolean    confirmed);
/* Start from this step (resuming a job of an earlier run). */
void             ub_flash_job_set_first_step (UbFlashJob *self,
                                              guint       index);
/* 0 keeps a default: stall 30 s; replies 10 s, and for writes 120 s or more with the size. */
void             ub_flash_job_set_timeouts (UbFlashJob   *self,
                                            guint         short_ms,
                                            guint         long_ms,
                                            guint         stall_ms);

/* Fails for an unchecked plan, a lock without confirmation, or a job already running. */
gboolean         ub_flash_job_start        (UbFlashJob   *self,
                                            GError      **error);
/*
 * Asks the job to stop at the next safe point (after the piece the phone is
 * writing). Asking again stops at once, which leaves the connection unusable
 * until the phone is reconnected.
 */
void             ub_flash_job_cancel       (UbFlashJob   *self);
/* After a failure or a cancel: run again from get_resume_step(). */
gboolean         ub_flash_job_resume       (UbFlashJob   *self,
                                            GError      **error);

UbFlashJobState  ub_flash_job_get_state    (UbFlashJob   *self);
/* Why the job failed (NULL otherwise); the message is one plain sentence. */
const GError    *ub_flash_job_get_error    (UbFlashJob   *self);
/* What to do about it, or NULL. */
const char      *ub_flash_job_get_next_step (UbFlashJob  *self);
/* What state the phone is in now, in words for people. */
const char      *ub_flash_job_get_phone_state (UbFlashJob *self);
/* The step that failed (G_MAXUINT when none). */
guint            ub_flash_job_get_failed_step (UbFlashJob *self);
/* Where a resume starts: the failed step, or the write before it when the phone may not have finished it. */
guint            ub_flash_job_get_resume_step (UbFlashJob *self);
/*
 * TRUE after a run that locked the bootloader (oem lock / flashing lock
 * answered OKAY): the job succeeded there, the phone restarts by itself to
 * erase itself and lock, and the steps after the lock were skipped.
 */
gboolean         ub_flash_job_get_locked   (UbFlashJob   *self);
/*
 * TRUE after a successful run whose phone does not simply restart into the
 * new system by itself (a locked phone that stayed in fastboot mode, or a
 * script that ended by starting an image): the phone state says what to do,
 * and a front end shows it rather than its usual "restarting" text.
 */
gboolean         ub_flash_job_get_needs_attention (UbFlashJob *self);
/*
 * The run's progress, on the creator's main context: a step per step of
 * the plan weighed by its bytes, each step's bytes in its child, the rate
 * and the time left. Reset when the job starts or resumes (the steps
 * before a resume count as done).
 */
UbProgress      *ub_flash_job_get_progress (UbFlashJob   *self);
/* Seconds the last run took. */
double           ub_flash_job_get_elapsed  (UbFlashJob   *self);

G_END_DECLS
