//! Time as users write it: durations (`30m`), cron expressions, and write windows
//! (cron + duration + time zone).

pub mod cron;
pub mod duration;
pub mod window;
