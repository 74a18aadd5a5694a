//! Fund flow bills (资金账单).

use std::io::BufRead;

use super::{BillError, Item, Layout, Table, bill_row};

bill_row! {
    /// One movement of a funds account. Amounts are in fen.
    pub struct FundFlowRow {
        /// 记账时间: when the account changed, `yyyy-MM-dd HH:mm:ss`, Beijing time.
        time: String = "记账时间" => required,
        /// 微信支付业务单号: the platform's number of the business (an order, a refund…).
        business_no: Option<String> = "微信支付业务单号" => text,
        /// 资金流水单号: the number of this movement.
        flow_no: Option<String> = "资金流水单号" => text,
        /// 业务名称: `交易`, `退款`, …
        business_name: Option<String> = "业务名称" => text,
        /// 业务类型: `交易`, `扣除交易手续费`, `退款`, …
        business_type: Option<String> = "业务类型" => text,
        /// 收支类型: `收入` (in) or `支出` (out).
        direction: String = "收支类型" => required,
        /// 收支金额(元): the amount moved, in fen (positive both ways; see `direction`).
        amount: i64 = "收支金额(元)" => required_fen,
        /// 账户结余(元): the balance after the movement, in fen.
        balance: Option<i64> = "账户结余(元)" => fen,
        /// 资金变更提交申请人: who asked for the movement (`system`, an operator, …).
        applicant: Option<String> = "资金变更提交申请人" => text,
        /// 备注: a remark.
        remark: Option<String> = "备注" => text,
        /// 业务凭证号: the business's voucher (usually the merchant's order number).
        voucher_no: Option<String> = "业务凭证号" => text,
    }
}

impl FundFlowRow {
    /// Whether money came in (`收入`).
    pub fn is_income(&self) -> bool {
        self.direction == "收入"
    }

    /// The amount with its sign: positive in, negative out.
    pub fn signed_amount(&self) -> i64 {
        if self.is_income() {
            self.amount
        } else {
            -self.amount
        }
    }
}

bill_row! {
    /// The summary of a fund flow bill; amounts in fen.
    pub struct FundFlowSummary {
        /// 资金流水总笔数: how many movements.
        count: u64 = "资金流水总笔数" => required_count,
        /// 收入笔数.
        income_count: Option<u64> = "收入笔数" => count,
        /// 收入金额.
        income: Option<i64> = "收入金额" => fen,
        /// 支出笔数.
        expense_count: Option<u64> = "支出笔数" => count,
        /// 支出金额.
        expense: Option<i64> = "支出金额" => fen,
    }
}

const REQUIRED: &[&str] = &["记账时间", "收支类型", "收支金额(元)"];

/// Reads a fund flow bill line by line; see [the module](crate::bill).
pub struct FundFlowBillReader<R> {
    table: Table<R>,
    layout: Layout,
    summary: Option<FundFlowSummary>,
}

impl<R: BufRead> FundFlowBillReader<R> {
    /// Reads the header; fails unless it names the columns of a fund flow bill.
    pub fn new(reader: R) -> Result<Self, BillError> {
        let table = Table::open(reader)?;
        let layout = Layout::new(&table.columns, FundFlowRow::COLUMNS, REQUIRED)
            .map_err(|kind| BillError::new(table.records.line, kind))?;
        Ok(FundFlowBillReader {
            table,
            layout,
            summary: None,
        })
    }

    /// The column names, as in the header.
    pub fn columns(&self) -> &[String] {
        &self.table.columns
    }

    /// The summary, once every row was read.
    pub fn summary(&self) -> Option<&FundFlowSummary> {
        self.summary.as_ref()
    }
}

impl<R: BufRead> Iterator for FundFlowBillReader<R> {
    type Item = Result<FundFlowRow, BillError>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.table.next()? {
            Ok(Item::Row(line)) => {
                let row = FundFlowRow::from_cells(&self.layout, &self.table.cells, line);
                self.table.row(row)
            }
            Ok(Item::Summary(names, line)) => {
                let layout =
                    match Layout::new(&names, FundFlowSummary::COLUMNS, &["资金流水总笔数"])
                    {
                        Ok(l) => l,
                        Err(kind) => {
                            return Some(Err(BillError::new(line.saturating_sub(1), kind)));
                        }
                    };
                match FundFlowSummary::from_cells(&layout, &self.table.cells, line) {
                    Ok(summary) => {
                        self.summary = Some(summary);
                        None
                    }
                    Err(e) => Some(Err(e)),
                }
            }
            Err(e) => Some(Err(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_layout_reads() {
        let text = "记账时间,微信支付业务单号,资金流水单号,业务名称,业务类型,收支类型,收支金额(元),账户结余(元),资金变更提交申请人,备注,业务凭证号\n\
`2018-02-01 04:21:23,`50000305742018020103387128253,`1900009231201802015884652186,`退款,`退款,`支出,`0.02,`0.17,`system,`缺货,`REF4200000068201801293084726067\n\
资金流水总笔数,收入笔数,收入金额,支出笔数,支出金额\n\
`20.0,`17.0,`0.35,`3.0,`0.18\n";
        let mut bill = FundFlowBillReader::new(text.as_bytes()).unwrap();
        let row = bill.next().unwrap().unwrap();
        assert_eq!(row.business_type.as_deref(), Some("退款"));
        assert!(!row.is_income());
        assert_eq!(row.signed_amount(), -2);
        assert_eq!(row.balance, Some(17));
        assert_eq!(row.remark.as_deref(), Some("缺货"));
        assert!(bill.next().is_none());
        let s = bill.summary().unwrap();
        assert_eq!(
            (
                s.count,
                s.income_count,
                s.income,
                s.expense_count,
                s.expense
            ),
            (20, Some(17), Some(35), Some(3), Some(18))
        );
    }

    #[test]
    fn a_bad_row_ends_the_bill() {
        let text =
            "记账时间,收支类型,收支金额(元)\n`t1,`支出,`abc\n`t2,`收入,`1.00\n资金流水总笔数\n`2\n";
        let mut bill = FundFlowBillReader::new(text.as_bytes()).unwrap();
        let e = bill.next().unwrap().unwrap_err();
        assert_eq!(e.line(), 2);
        assert!(bill.next().is_none());
        assert!(bill.summary().is_none());
    }

    #[test]
    fn a_trade_bill_is_not_a_fund_bill() {
        let e = FundFlowBillReader::new("交易时间,微信订单号\n".as_bytes())
            .err()
            .unwrap();
        assert!(e.to_string().contains("记账时间"), "{e}");
    }
}
