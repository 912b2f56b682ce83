DROP TABLE mail_opt_outs;
