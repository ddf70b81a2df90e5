//! Serial lines (`transport: rtu`): the settings a line may have, opening it, and the
//! silence Modbus RTU keeps between two frames on it.

use std::time::Duration;

use tokio_serial::{DataBits, SerialPortBuilderExt, SerialStream, StopBits};

use super::transport::SerialSettings;
use crate::manifest::spec::Parity;

/// The baud rates a serial line may run at: the standard ones of RS-232/RS-485
/// adapters and Modbus devices.
pub const STANDARD_BAUD_RATES: [u32; 13] = [
    1200, 2400, 4800, 9600, 14400, 19200, 38400, 57600, 115200, 230400, 460800, 576000, 921600,
];

/// Baud rates as a hint lists them.
fn standard_baud_rates() -> String {
    let rates: Vec<String> = STANDARD_BAUD_RATES.iter().map(u32::to_string).collect();
    rates.join(", ")
}

/// A setting no serial line has.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The setting's key in `spec.serial`.
    pub key: &'static str,
    pub message: String,
    pub hint: String,
}

/// What is wrong with a line's settings (nothing, for settings a line can have).
pub fn check(baud_rate: u32, data_bits: u8, stop_bits: u8) -> Vec<Problem> {
    let mut problems = Vec::new();
    if !STANDARD_BAUD_RATES.contains(&baud_rate) {
        problems.push(Problem {
            key: "baudRate",
            message: format!("baud rate {baud_rate} is not a standard one"),
            hint: format!(
                "use the device's baud rate, one of {}",
                standard_baud_rates()
            ),
        });
    }
    if !matches!(data_bits, 7 | 8) {
        problems.push(Problem {
            key: "dataBits",
            message: format!("data bits must be 7 or 8, got {data_bits}"),
            hint: "Modbus RTU devices use 8 data bits (the default)".to_owned(),
        });
    }
    if !matches!(stop_bits, 1 | 2) {
        problems.push(Problem {
            key: "stopBits",
            message: format!("stop bits must be 1 or 2, got {stop_bits}"),
            hint: "1 with even or odd parity, often 2 with parity none".to_owned(),
        });
    }
    problems
}

/// What to do about a unit id no single device on a serial line has.
pub const UNIT_HINT: &str = "use the device's own unit id, 1 to 247";

/// Why `unit` addresses no single device on a serial line (RTU framing), if it does
/// not: 0 is broadcast (every device on the line performs the request, none
/// answers), 248 to 255 are reserved.
pub fn unit_problem(unit: u8) -> Option<&'static str> {
    match unit {
        0 => Some(
            "unit 0 is broadcast on a serial line: every device on it would perform the writes, and none answers",
        ),
        248..=255 => Some("unit ids 248 to 255 are reserved on a serial line"),
        _ => None,
    }
}

/// The least silence between two frames on the line: 3.5 character times, and a fixed
/// 1.75 ms above 19200 baud (the Modbus serial line specification).
pub fn inter_frame_silence(settings: &SerialSettings) -> Duration {
    if settings.baud_rate > 19200 {
        return Duration::from_micros(1750);
    }
    let parity = u32::from(settings.parity != Parity::None);
    let bits = 1 + u32::from(settings.data_bits) + parity + u32::from(settings.stop_bits);
    // 3.5 characters of `bits` bits each, in microseconds.
    let micros = u64::from(bits) * 3_500_000 / u64::from(settings.baud_rate.max(1));
    Duration::from_micros(micros)
}

/// Opens the serial line with its settings, for this process only (no other program
/// may open it while fabctl talks on it), with nothing left over in its buffers. The
/// error says why it cannot be opened.
pub fn open(settings: &SerialSettings) -> Result<SerialStream, String> {
    let path = settings.device.to_string_lossy();
    if !settings.device.exists() {
        return Err(
            "no such serial device (is the adapter plugged in? `ls /dev/serial/by-id/` lists those connected)"
                .to_owned(),
        );
    }
    let data_bits = match settings.data_bits {
        7 => DataBits::Seven,
        _ => DataBits::Eight,
    };
    let stop_bits = match settings.stop_bits {
        2 => StopBits::Two,
        _ => StopBits::One,
    };
    let parity = match settings.parity {
        Parity::None => tokio_serial::Parity::None,
        Parity::Even => tokio_serial::Parity::Even,
        Parity::Odd => tokio_serial::Parity::Odd,
    };
    tokio_serial::new(path.as_ref(), settings.baud_rate)
        .data_bits(data_bits)
        .stop_bits(stop_bits)
        .parity(parity)
        .flow_control(tokio_serial::FlowControl::None)
        .open_native_async()
        .and_then(|line| {
            // Answers to requests of an earlier client are not ours.
            tokio_serial::SerialPort::clear(&line, tokio_serial::ClearBuffer::All)?;
            Ok(line)
        })
        .map_err(|e| format!("cannot use it as a serial line: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(baud_rate: u32, parity: Parity) -> SerialSettings {
        SerialSettings {
            device: "/dev/ttyUSB0".into(),
            baud_rate,
            parity,
            data_bits: 8,
            stop_bits: 1,
        }
    }

    #[test]
    fn the_silence_is_three_and_a_half_characters_up_to_19200_baud() {
        // 11 bits a character (start, 8 data, parity, stop): 3.5 × 11 / 9600 s.
        assert_eq!(
            inter_frame_silence(&line(9600, Parity::Even)),
            Duration::from_micros(4010)
        );
        // 10 bits without parity.
        assert_eq!(
            inter_frame_silence(&line(19200, Parity::None)),
            Duration::from_micros(1822)
        );
        assert_eq!(
            inter_frame_silence(&line(38400, Parity::Even)),
            Duration::from_micros(1750)
        );
        assert_eq!(
            inter_frame_silence(&line(115200, Parity::None)),
            Duration::from_micros(1750)
        );
    }

    #[test]
    fn a_line_that_does_not_exist_says_so() {
        let mut settings = line(19200, Parity::Even);
        settings.device = "/dev/fabctl-no-such-line".into();
        let error = open(&settings).err().unwrap_or_default();
        assert!(error.starts_with("no such serial device"), "{error}");
    }
}
