/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define UB_TYPE_PROGRESS (ub_progress_get_type ())
G_DECLARE_FINAL_TYPE (UbProgress, ub_progress, UB, PROGRESS, GObject)

/* Microseconds on a monotonic clock (tests inject one). */
typedef gint64 (*UbProgressClock) (gpointer user_data);

/*
 * The progress of one piece of work: weighted steps, each with a child
 * progress for its own parts, bytes done of a total, the overall fraction,
 * one rate (bytes per second, over the last seconds) and one time left.
 *
 * Workers call the setters from any thread (one mutex guards the whole tree
 * of a progress and its children). The owner, the thread that called
 * ub_progress_new(), gets, on the thread-default main context it had then:
 *   ::changed ()                   at most ~10 per second, and once more at
 *                                  once when the work is done
 *   ::event (const char *kind,     each ub_progress_post_event(), in order;
 *            GVariant *data)       the signal's detail is @kind; an event
 *                                  posted after the work is done comes after
 *                                  that last ::changed
 * A child emits nothing itself: it reports through the progress it belongs
 * to. The getters are meant for the owner's thread (reading from another
 * thread is safe, only the values may change at once).
 */
UbProgress *ub_progress_new            (void);
/* Tests: the clock used for the rate. */
void        ub_progress_set_clock      (UbProgress      *self,
                                        UbProgressClock  clock,
                                        gpointer         user_data);

/* Starts again: no steps, no bytes, not done (children are dropped). */
void        ub_progress_reset          (UbProgress *self);

/* A step of @weight (relative to the other steps) named @name (may be NULL). */
void        ub_progress_add_step       (UbProgress *self,
                                        guint       weight,
                                        const char *name);
/* The running step's progress (created on first use, owned by @self). */
UbProgress *ub_progress_get_child      (UbProgress *self);
/* The running step is complete; after the last one, the work is done. */
void        ub_progress_step_done      (UbProgress *self);
/* All of it is done (steps or not). */
void        ub_progress_finish         (UbProgress *self);

/*
 * Bytes: the total, and what is done. Bytes done in a child count in its
 * parents' bytes done too (not their totals: each sets its own).
 */
void        ub_progress_set_bytes_total (UbProgress *self,
                                         guint64     total);
void        ub_progress_add_bytes       (UbProgress *self,
                                         guint64     bytes);
void        ub_progress_set_bytes_done  (UbProgress *self,
                                         guint64     done);

/* A non-progress event for the owner (a log line, a phone message); @data may be NULL or floating. */
void        ub_progress_post_event     (UbProgress *self,
                                        const char *kind,
                                        GVariant   *data);
/* The same, but it takes the place of the last event queued when that one,
 * not yet delivered, is of the same @kind (a figure only the latest of which matters). */
void        ub_progress_replace_event  (UbProgress *self,
                                        const char *kind,
                                        GVariant   *data);

/* A GError as event data ("(sis)": domain, code, message), and back: for a
 * worker's error that travels through ub_progress_post_event(). */
#define UB_PROGRESS_ERROR_VARIANT_TYPE "(sis)"
GVariant   *ub_progress_error_to_variant   (const GError *error);
GError     *ub_progress_error_from_variant (GVariant     *data);

/* 0 … 1: steps by weight (the running one by its child), else bytes. */
double      ub_progress_get_fraction   (UbProgress *self);
gboolean    ub_progress_get_done       (UbProgress *self);
/* The running step's name, NULL when none. */
char       *ub_progress_dup_step_name  (UbProgress *self);
/* Index of the running step (= number of steps when all are done). */
guint       ub_progress_get_step       (UbProgress *self);
guint       ub_progress_get_n_steps    (UbProgress *self);
guint64     ub_progress_get_bytes_done (UbProgress *self);
guint64     ub_progress_get_bytes_total (UbProgress *self);
/* Bytes per second over the last few seconds; 0 when unknown. */
double      ub_progress_get_rate       (UbProgress *self);
/* Seconds left from the bytes left and the rate; 0 when done, -1 when unknown. */
gint64      ub_progress_get_seconds_left (UbProgress *self);

G_END_DECLS
