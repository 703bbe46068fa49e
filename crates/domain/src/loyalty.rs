//! Loyalty: a wallet of three kinds of value (cashback, TSS money, TSS points) kept as a ledger
//! of credits (lots, each with an optional expiry) and debits, and the customer's orders.
//! Amounts are exact: integer hundredths, never floating point.

use std::fmt;

use time::{Date, OffsetDateTime};

use crate::account::AccountUuid;
use crate::tenant::TenantId;

/// An exact amount in hundredths (`150.50` is 15050): money or points to two decimals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Hash)]
pub struct Amount(pub i64);

impl Amount {
    /// Largest magnitude accepted: far beyond any wallet, far from overflowing a sum.
    pub const MAX: i64 = 100_000_000_000;

    /// Reads a decimal as JSON writes it (`150.5`, `-20`, `1250.00`): at most two decimals, no
    /// exponent; exact, never through floating point.
    pub fn parse(text: &str) -> Result<Amount, String> {
        let invalid = || "must be a number with at most two decimals, such as 150.50".to_owned();
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        let plain = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty()
            || !plain(whole)
            || !plain(fraction)
            || (digits.contains('.') && fraction.is_empty())
        {
            return Err(invalid());
        }
        // Trailing zeros beyond the second decimal say nothing more (`1.500`).
        let fraction = fraction.trim_end_matches('0');
        if fraction.len() > 2 || whole.len() > 13 {
            return Err(invalid());
        }
        let whole: i64 = whole.parse().map_err(|_| invalid())?;
        let cents: i64 = format!("{fraction:0<2}").parse().map_err(|_| invalid())?;
        let magnitude = whole * 100 + cents;
        if magnitude > Self::MAX {
            return Err(format!("must be at most {}", Self::MAX / 100));
        }
        Ok(Amount(if negative { -magnitude } else { magnitude }))
    }

    /// The amount as a JSON number with at most two decimals (`150.5` for 15050).
    pub fn to_json_number(self) -> f64 {
        // Exact to the cent: hundredths below 2^53 divide into the nearest double.
        self.0 as f64 / 100.0
    }

    pub fn is_positive(self) -> bool {
        self.0 > 0
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        write!(f, "{sign}{}.{:02}", self.0.abs() / 100, self.0.abs() % 100)
    }
}

/// What a wallet entry holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WalletKind {
    Cashback,
    TssMoney,
    TssPoints,
}

impl WalletKind {
    pub const ALL: [WalletKind; 3] = [WalletKind::Cashback, WalletKind::TssMoney, WalletKind::TssPoints];

    pub fn as_str(self) -> &'static str {
        match self {
            WalletKind::Cashback => "cashback",
            WalletKind::TssMoney => "tss_money",
            WalletKind::TssPoints => "tss_points",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == raw)
    }
}

/// One line of the ledger: a credit (a lot that may expire, spent first-to-expire first) or a
/// debit (a redemption).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalletEntry {
    pub tenant: TenantId,
    pub account: AccountUuid,
    pub kind: WalletKind,
    /// The poster's own reference: posting it again changes nothing.
    pub reference: String,
    /// Positive for a credit, negative for a debit.
    pub amount: Amount,
    /// Credits only: the last day the lot can be spent.
    pub expires_on: Option<Date>,
    pub created_at: OffsetDateTime,
}

impl WalletEntry {
    /// Whether `other` posts the same thing (a retried post).
    pub fn same_post_as(&self, other: &WalletEntry) -> bool {
        (self.kind, &self.reference, self.amount, self.expires_on)
            == (other.kind, &other.reference, other.amount, other.expires_on)
    }
}

/// What became of posting an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WalletPosted {
    Created(WalletEntry),
    /// Its reference was posted before with the same content: nothing changed.
    Replayed(WalletEntry),
    /// Its reference was posted before with other content.
    ReferenceTaken(WalletEntry),
    /// A debit larger than what can be spent today.
    Insufficient {
        spendable: Amount,
    },
}

/// One kind's standing on a day: what can be spent, and the earliest-expiring value in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Balance {
    pub spendable: Amount,
    /// What is left of the lots that expire first, and their day.
    pub next_to_expire: Option<(Amount, Date)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WalletSummary {
    pub cashback: Balance,
    pub tss_money: Balance,
    pub tss_points: Balance,
}

impl WalletSummary {
    pub fn of(&mut self, kind: WalletKind) -> &mut Balance {
        match kind {
            WalletKind::Cashback => &mut self.cashback,
            WalletKind::TssMoney => &mut self.tss_money,
            WalletKind::TssPoints => &mut self.tss_points,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderStatus {
    Placed,
    Completed,
    Cancelled,
    Returned,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 4] = [
        OrderStatus::Placed,
        OrderStatus::Completed,
        OrderStatus::Cancelled,
        OrderStatus::Returned,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Placed => "placed",
            OrderStatus::Completed => "completed",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::Returned => "returned",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    pub tenant: TenantId,
    pub account: AccountUuid,
    pub reference: String,
    pub amount: Amount,
    pub status: OrderStatus,
    pub placed_at: OffsetDateTime,
}

impl Order {
    pub fn same_post_as(&self, other: &Order) -> bool {
        (&self.reference, self.amount, self.status, self.placed_at)
            == (&other.reference, other.amount, other.status, other.placed_at)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderPosted {
    Created(Order),
    Replayed(Order),
    ReferenceTaken(Order),
}

/// `order_count` (every order), `successful_orders` (completed) and `total_spending` (the sum
/// of completed orders).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OrderStats {
    pub count: i64,
    pub successful: i64,
    pub total_spending: Amount,
}

/// A credit as a debit may spend it: what is left of it, and when it expires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lot {
    pub reference: String,
    pub remaining: i64,
    /// The last day it can be spent; `None`: never expires.
    pub expires_on: Option<Date>,
    pub created_at: OffsetDateTime,
}

/// What a debit takes from one lot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spend {
    pub reference: String,
    pub amount: i64,
    /// The lot's expiry (the day its running sums are filed under).
    pub expires_on: Option<Date>,
}

/// How a debit of `amount` (positive) is spent from `lots` on `today`: the lots that expire
/// first, then those that never expire, the older first among equals; expired and spent lots
/// give nothing. `Err` with what can be spent today when that is less than `amount` (nothing
/// is spent then). The store persists what this decides; it decides nothing.
pub fn spend_first_to_expire(lots: &[Lot], amount: i64, today: Date) -> Result<Vec<Spend>, Amount> {
    if amount <= 0 {
        return Ok(Vec::new()); // nothing to spend (a debit is a negative entry: its opposite)
    }
    let mut spendable: Vec<&Lot> = lots
        .iter()
        .filter(|lot| lot.remaining > 0 && lot.expires_on.is_none_or(|day| day >= today))
        .collect();
    let total: i64 = spendable.iter().map(|lot| lot.remaining).sum();
    if total < amount {
        return Err(Amount(total));
    }
    spendable.sort_by(|a, b| {
        let order = |lot: &Lot| (lot.expires_on.is_none(), lot.expires_on, lot.created_at);
        order(a)
            .cmp(&order(b))
            .then_with(|| a.reference.cmp(&b.reference))
    });
    let mut left = amount;
    let mut spends = Vec::new();
    for lot in spendable {
        if left == 0 {
            break;
        }
        let take = lot.remaining.min(left);
        spends.push(Spend {
            reference: lot.reference.clone(),
            amount: take,
            expires_on: lot.expires_on,
        });
        left -= take;
    }
    Ok(spends)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_read_exactly() {
        for (text, hundredths) in [
            ("150.50", 15050),
            ("150.5", 15050),
            ("0.1", 10),
            ("0.01", 1),
            ("-20", -2000),
            ("1250.00", 125000),
            ("1.500", 150),
            ("0", 0),
        ] {
            assert_eq!(Amount::parse(text), Ok(Amount(hundredths)), "{text}");
        }
        for bad in [
            "",
            "-",
            "1.",
            ".5",
            "1.234",
            "1e3",
            "+5",
            "1,5",
            "abc",
            "99999999999999",
            "NaN",
        ] {
            assert!(Amount::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Amount(15050).to_json_number(), 150.5);
        assert_eq!(Amount(-2001).to_string(), "-20.01");
    }

    #[test]
    fn a_debit_spends_what_expires_first_and_never_an_expired_lot() {
        use time::macros::{date, datetime};
        let lot = |reference: &str, remaining: i64, expires_on: Option<Date>| Lot {
            reference: reference.into(),
            remaining,
            expires_on,
            created_at: datetime!(2026-11-01 10:00 UTC),
        };
        let today = date!(2026 - 12 - 01);
        let lots = [
            lot("never", 500, None),
            lot("late", 300, Some(date!(2027 - 01 - 31))),
            lot("soon", 100, Some(date!(2026 - 12 - 01))),
            lot("gone", 900, Some(date!(2026 - 11 - 30))),
            lot("spent", 0, Some(date!(2026 - 12 - 02))),
        ];
        let spent = spend_first_to_expire(&lots, 450, today).unwrap();
        let taken: Vec<(&str, i64)> = spent.iter().map(|s| (s.reference.as_str(), s.amount)).collect();
        assert_eq!(taken, [("soon", 100), ("late", 300), ("never", 50)]);
        assert_eq!(spend_first_to_expire(&lots, 901, today), Err(Amount(900)));
        assert_eq!(spend_first_to_expire(&lots, 900, today).unwrap().len(), 3);
    }
}
