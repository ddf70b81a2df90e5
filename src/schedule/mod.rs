//! Time as users write it: durations (`30m`) and write windows (cron + duration +
//! time zone).

pub mod duration;
pub mod window;
