import { FileSearchOutlined, SafetyCertificateOutlined } from '@ant-design/icons';
import { Card, Col, Descriptions, Row, Tag, Typography } from 'antd';
import { Link } from 'react-router';
import { useLang } from '../i18n.js';
import { useSession } from '../session.js';
import { roleLabel } from '../roles.js';

/** 首页: what anyone can do here, and who is signed in. */
export function HomePage() {
  const { t } = useLang();
  const { account } = useSession();
  return (
    <>
      <Typography.Title level={2}>{t('home.title')}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('home.intro')}</Typography.Paragraph>
      {account != null && (
        <Card style={{ marginBottom: 24 }} title={t('home.account')}>
          <Descriptions column={1} size="small">
            <Descriptions.Item label={t('signIn.username')}>{account.username}</Descriptions.Item>
            <Descriptions.Item label={t('home.roles')}>
              {account.roles.map((r) => (
                <Tag key={r}>{roleLabel(r, t)}</Tag>
              ))}
            </Descriptions.Item>
          </Descriptions>
        </Card>
      )}
      <Row gutter={[24, 24]}>
        <Col xs={24} md={12}>
          <Link to="/verify">
            <Card hoverable>
              <Card.Meta
                avatar={<SafetyCertificateOutlined style={{ fontSize: 32, color: '#b71c1c' }} />}
                title={t('nav.verify')}
                description={t('home.verify')}
              />
            </Card>
          </Link>
        </Col>
        <Col xs={24} md={12}>
          <Link to="/search">
            <Card hoverable>
              <Card.Meta
                avatar={<FileSearchOutlined style={{ fontSize: 32, color: '#b71c1c' }} />}
                title={t('nav.search')}
                description={t('home.search')}
              />
            </Card>
          </Link>
        </Col>
      </Row>
    </>
  );
}
